"""The app with its models as Ray Serve replicas: ``python -m zoo serve-ray --replicas sentiment=2``.

Each named (non-streaming) task's default checkpoint (every such task's, when none is named)
becomes a Ray Serve deployment, ``TaskReplica``, with as many replicas as asked and
``--cpus``/``--gpus`` per replica (Ray places a replica only where its CPUs are free: on 2 cores,
two replicas of 1 CPU fill the machine); the Gradio app runs in front
in this process, and its scheduler sends each model's batches to the deployment instead of a local
pipeline (``RemotePipeline``), with one worker thread per replica so that every replica has a
batch to work on. The scheduler still checks each request alone and answers a failing batch one
by one, so isolation holds across processes. Streaming tasks (chargen) stay in the app process:
their continuous batching steps every stream of a model together, which a replica elsewhere cannot
join step by step. Without ``--address`` a local Ray is started; with one, the replicas go to
that cluster. Install with ``pip install 'lstm-zoo[ray]'``.
"""
from __future__ import annotations

import logging
import os
from typing import Any

from .errors import InputError, ZooError

log = logging.getLogger("zoo.serve_ray")
_ZOO_ERROR = "__zoo_error__"


class TaskReplica:
    """One replica: a task's pipeline loaded once; answers a batch (or one input's error)."""

    def __init__(self, task: str, checkpoint: str | None, threads: int):
        import torch

        import zoo  # noqa: F401 - telemetry off first
        from zoo.pipelines import pipeline
        from zoo.plugins import registry

        torch.set_num_threads(max(1, threads))  # as many as the replica's CPUs: replicas must not oversubscribe
        self.pipe = pipeline(registry().task(task), checkpoint=checkpoint, device=None)

    def batch(self, inputs: list, params: dict) -> list[dict] | dict:
        try:
            return self.pipe.batch(inputs, **params)
        except ZooError as exc:  # the caller's scheduler answers the batch one by one, as at home
            return {_ZOO_ERROR: str(exc), "kind": type(exc).__name__}


class RemotePipeline:
    """What the app's scheduler calls instead of a local ``Pipeline``: the same ``batch`` and
    ``__call__``, answered by a Serve deployment."""

    def __init__(self, task, handle, replicas: int):
        self.task, self.handle, self.replicas = task, handle, replicas
        self.notices: list[str] = []

    def batch(self, inputs: list, **params) -> list[dict]:
        out = self.handle.batch.remote(list(inputs), params).result()
        if isinstance(out, dict) and _ZOO_ERROR in out:
            raise InputError(out[_ZOO_ERROR]) if out["kind"] == "InputError" else ZooError(out[_ZOO_ERROR])
        return out

    def __call__(self, input: Any, **params) -> dict:
        return self.batch([input], **params)[0]

    def with_notices(self, result: dict) -> dict:
        return result


def parse_replicas(pairs: list[str], tasks: list[str]) -> dict[str, int]:
    """``["sentiment=2"]`` -> replicas per task named (with none named: every task, 1 each). A task
    not named stays in the app process."""
    if not pairs:
        return dict.fromkeys(tasks, 1)
    out = {}
    for pair in pairs:
        name, _, n = pair.partition("=")
        if name not in tasks:
            raise InputError(f"--replicas {pair}: {name!r} is not a task served by replicas ({', '.join(tasks)})")
        if not n.isdigit() or int(n) < 1:
            raise InputError(f"--replicas {pair}: the count must be a whole number >= 1")
        out[name] = int(n)
    return out


def deploy(reg, replicas: list[str], cpus: float = 1.0, gpus: float = 0.0, address: str | None = None) -> dict:
    """Start Ray (or join ``address``), run one deployment per non-streaming task, and point the
    process's scheduler at them. Returns {task: RemotePipeline}."""
    try:
        from ray import serve
    except ImportError:
        raise InputError("serve-ray needs Ray Serve: pip install 'lstm-zoo[ray]'") from None
    from . import scheduler as sched_mod

    counts = parse_replicas(replicas, [t.name for t in reg.tasks.values() if not t.streaming])
    tasks = [reg.tasks[name] for name in counts]
    from .raystart import start

    start(address)
    from ray.serve.config import ProxyLocation

    serve.start(proxy_location=ProxyLocation.Disabled)  # the app calls the replicas by handle: no HTTP proxy
    remote = {}
    for task in tasks:
        n = counts[task.name]
        app = serve.deployment(TaskReplica, name=f"zoo-{task.name}", num_replicas=n,
                               ray_actor_options={"num_cpus": cpus, "num_gpus": gpus},
                               max_ongoing_requests=2).bind(task.name, None, int(max(1, cpus)))
        handle = serve.run(app, name=f"zoo-{task.name}", route_prefix=None)
        remote[task.name] = RemotePipeline(task, handle, n)
        log.info("%s: %d replica(s), %g CPU and %g GPU each", task.name, n, cpus, gpus)
    sched_mod.use_remote({name: (p, p.replicas) for name, p in remote.items()})
    return remote


def main(args) -> int:
    from .app import _drain_on_sigterm, build_app, launch_options
    from .plugins import registry as load_registry
    from .settings import setup_logging

    setup_logging("INFO", timestamps=True)
    reg = load_registry()
    deploy(reg, args.replicas, args.cpus, args.gpus, args.address)
    demo = build_app(reg)
    _drain_on_sigterm(demo)
    port = args.port or int(os.environ.get("GRADIO_SERVER_PORT", "7860"))
    demo.launch(ssr_mode=False, server_name=args.host, server_port=port, **launch_options())
    return 0
