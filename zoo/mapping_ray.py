"""The Ray engine of ``zoo map``: a chunk's inputs predicted on Ray Data.

Each chunk's inputs become a Ray dataset that ``map_batches`` sends through a pool of actors;
each actor loads the pipeline once per chunk (``_Predictor.__init__``; chunks default to 100,000
rows here, so that happens once per 100,000 rows: Ray Data keeps no actor pool from one dataset
to the next, and one dataset over the whole file would give up resuming by chunk) and predicts
batches with the same ``predict_units`` as the local engine (so a failing input is its own error
there too), asking for a GPU where CUDA is there. Each actor computes with ``--threads`` torch
threads (default: the driver's torch default), as the local engine does, and asks Ray for as
many CPUs: thread counts change the last digits of a result, so equal counts give equal outputs.
Reading, cutting into units and writing stay on the driver (``zoo.mapping``): outputs are row for
row the local engine's. Without ``--address`` a local Ray is started on this machine (and stopped
at the end); with one, the driver joins that cluster. Install with ``pip install 'lstm-zoo[ray]'``.
"""
from __future__ import annotations

import json
import logging

from .errors import InputError

log = logging.getLogger("zoo.map.ray")


class _Predictor:
    """A Ray Data actor: one pipeline, many batches."""

    def __init__(self, task: str, checkpoint, device, params: dict, batch: int, threads: int):
        import torch

        import zoo  # noqa: F401 - telemetry off before anything else
        from zoo.pipelines import pipeline

        torch.set_num_threads(threads)  # as the local engine computes: the same digits
        from zoo.plugins import registry

        self.pipe = pipeline(registry().task(task), checkpoint=checkpoint, device=device)
        self.params, self.batch = params, batch

    def __call__(self, rows: dict) -> dict:
        """Each row is one model batch, cut by the driver exactly as the local engine cuts them (so
        padding, and with it every last digit, is the same)."""
        from zoo.mapping import predict_units

        out = []
        for inputs in rows["inputs"]:
            answers = predict_units(self.pipe, json.loads(inputs), self.params, self.batch)
            out.append(json.dumps([[r, e] for r, e in answers]))
        return {"i": rows["i"], "answers": out}


class RayEngine:
    name = "ray"

    def __init__(self, task, checkpoint: str | None, device: str | None, params: dict, batch: int,
                 address: str | None = None, workers: int | None = None, threads: int = 1):
        try:
            import ray
            import ray.data
        except ImportError:
            raise InputError("--engine ray needs Ray: pip install 'lstm-zoo[ray]'") from None
        import torch

        from .raystart import start

        self.ray, self.started = ray, start(address)
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False  # zoo map draws its own bar; Ray's would interleave with it
        ctx.print_on_execution_start = False
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        gpus = int(ray.cluster_resources().get("GPU", 0)) if torch.cuda.is_available() or address else 0
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.gpus_per_actor = 1 if gpus else 0
        # An actor asks for as many CPUs as it runs threads, so actors never oversubscribe a node.
        self.cpus_per_actor = 0 if gpus else min(threads, cpus)
        self.workers = workers or (gpus if gpus else max(1, cpus // max(1, self.cpus_per_actor)))
        self.kwargs = {"task": task.name, "checkpoint": checkpoint, "device": device, "params": params,
                       "batch": batch, "threads": threads}
        self.batch = batch

    def predict(self, inputs: list) -> list[tuple[dict | None, str | None]]:
        import ray.data

        batches = [inputs[k:k + self.batch] for k in range(0, len(inputs), self.batch)]
        items = [{"i": i, "inputs": json.dumps(b)} for i, b in enumerate(batches)]
        ds = ray.data.from_items(items, override_num_blocks=min(len(items), 4 * self.workers))
        # One call at a time per actor: concurrent calls would share its threads and its model.
        pool = ray.data.ActorPoolStrategy(size=self.workers, max_tasks_in_flight_per_actor=1)
        out = ds.map_batches(_Predictor, fn_constructor_kwargs=self.kwargs, batch_size=1, compute=pool,
                             num_gpus=self.gpus_per_actor, num_cpus=self.cpus_per_actor, batch_format="numpy")
        rows = sorted(out.take_all(), key=lambda r: r["i"])
        if [r["i"] for r in rows] != list(range(len(batches))):
            raise RuntimeError(f"Ray returned {len(rows)} batches for {len(batches)}")
        return [(r, e) for row in rows for r, e in json.loads(row["answers"])]

    def close(self) -> None:
        if self.started:
            self.ray.shutdown()
