"""``python -m zoo bench map --task TASK --input FILE [options]``: ``zoo map``'s speed and memory,
each figure beside its baseline from the same run.

- ``throughput`` (default): the first ``--rows`` rows of FILE through a plain Python loop over
  ``pipeline(...)`` (one input per call, the way a user's own loop runs), through the local engine
  (torch's default threads, then one thread), and through the Ray engine (a local Ray with
  ``--workers`` actors of one thread each); rows per second as ratios, and whether the Ray output
  is byte for byte the local one at the same thread count;
- ``whole`` (``--whole``): all of FILE through ``python -m zoo map`` in a child process, killed once
  half of its chunks are written, then run again: the peak resident memory of each run, how many
  chunks the second run found done, and whether the output has exactly the input's rows.
"""
from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import mapping


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--task", required=True)
    p.add_argument("--input", required=True, help="a CSV file (e.g. from benchmarks/map/make_inputs.py)")
    p.add_argument("--column", default=None, help="the input column (default: the task's)")
    p.add_argument("--rows", type=int, default=20_000, help="rows for the throughput runs (default 20000)")
    p.add_argument("--workers", type=int, default=2, help="Ray actors (default 2)")
    p.add_argument("--no-ray", action="store_true", help="leave out the Ray engine")
    p.add_argument("--whole", action="store_true", help="the whole-file run: peak memory, kill and resume")
    p.add_argument("--chunk-rows", type=int, default=mapping.CHUNK_ROWS)


def _head(source: Path, rows: int, dest: Path) -> None:
    with open(source, newline="") as f, open(dest, "w", newline="") as g:
        reader, writer = csv.reader(f), csv.writer(g)
        for i, row in enumerate(reader):
            if i > rows:
                break
            writer.writerow(row)


def throughput(task_name: str, source: Path, column: str | None, rows: int, workers: int, ray: bool) -> dict:
    import torch

    from .pipelines import pipeline
    from .plugins import registry

    task = registry().task(task_name)
    column = column or task.map_column
    with tempfile.TemporaryDirectory() as tmp:
        head = Path(tmp) / "head.csv"
        _head(source, rows, head)
        with open(head, newline="") as f:
            inputs = [r[column] for r in csv.DictReader(f)]
        pipe = pipeline(task)
        pipe(inputs[0])  # loaded and warm before any clock starts
        started = time.perf_counter()
        ok = 0
        for x in inputs:
            try:
                pipe(x)
                ok += 1
            except Exception:  # noqa: BLE001 - a user's loop would skip or log it
                pass
        loop_s = time.perf_counter() - started
        out = {"rows": len(inputs), "plain loop over pipeline()": {"seconds": round(loop_s, 2),
                                                                  "rows_per_s": round(len(inputs) / loop_s, 1)}}
        started = time.perf_counter()
        mapping.run(task, head, Path(tmp) / "local.csv", column=column, progress=False)
        local_s = time.perf_counter() - started
        out[f"local engine ({torch.get_num_threads()} threads)"] = {"seconds": round(local_s, 2),
                                                                     "rows_per_s": round(len(inputs) / local_s, 1)}
        out["local_vs_loop"] = round(loop_s / local_s, 2)
        if ray:
            # Ray's actors run one thread each; the local engine at one thread is the run whose output
            # the Ray one must equal (thread counts change the last digits).
            started = time.perf_counter()
            mapping.run(task, head, Path(tmp) / "local1.csv", column=column, progress=False, threads=1)
            local1_s = time.perf_counter() - started
            out["local engine (1 thread)"] = {"seconds": round(local1_s, 2), "rows_per_s": round(len(inputs) / local1_s, 1)}
            started = time.perf_counter()
            mapping.run(task, head, Path(tmp) / "ray.csv", column=column, progress=False, engine="ray",
                        workers=workers, threads=1)
            ray_s = time.perf_counter() - started
            out[f"ray engine, {workers} actors of 1 thread (local Ray started and stopped inside)"] = {
                "seconds": round(ray_s, 2), "rows_per_s": round(len(inputs) / ray_s, 1)}
            out["ray_vs_local"] = round(local_s / ray_s, 2)
            out["ray_vs_local_1_thread"] = round(local1_s / ray_s, 2)
            out["ray_output_equals_local_1_thread"] = mapping.digest(Path(tmp) / "ray.csv") == mapping.digest(
                Path(tmp) / "local1.csv")
    return out


def _peak_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _watch(proc: subprocess.Popen, stop_when=None) -> float:
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, _peak_mb(proc.pid))
        if stop_when is not None and stop_when():
            proc.kill()
            proc.wait()
            break
        time.sleep(0.2)
    return round(peak, 1)


def whole(task_name: str, source: Path, column: str | None, chunk_rows: int) -> dict:
    with open(source, newline="") as f:
        n_in = sum(1 for _ in csv.reader(f)) - 1
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "out.csv"
        cmd = [sys.executable, "-m", "zoo", "map", task_name, str(source), str(output), "--chunk-rows",
               str(chunk_rows), *(["--column", column] if column else [])]
        parts = mapping.parts_folder(output)
        expected = -(-n_in // chunk_rows)
        started = time.perf_counter()
        first = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        peak_first = _watch(first, lambda: len(list(parts.glob("part-*.jsonl"))) >= expected // 2)
        killed_after = time.perf_counter() - started
        done_when_killed = len(list(parts.glob("part-*.jsonl")))
        second = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        peak_second = _watch(second)
        summary = json.loads(second.stdout.read())
        total = time.perf_counter() - started
        with open(output, newline="") as f:
            n_out = sum(1 for _ in csv.reader(f)) - 1
    return {"rows_in_file": n_in, "chunks": expected, "killed_after_s": round(killed_after, 1),
            "chunks_done_when_killed": done_when_killed, "peak_rss_mb_first_run": peak_first,
            "peak_rss_mb_second_run": peak_second, "second_run": summary, "rows_in_output": n_out,
            "same_row_count": n_out == n_in, "seconds_in_all": round(total, 1)}


def run(args: argparse.Namespace) -> dict:
    out = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
           "date": datetime.date.today().isoformat(), "task": args.task, "input": args.input}
    source = Path(args.input)
    if args.whole:
        out["whole"] = whole(args.task, source, args.column, args.chunk_rows)
    else:
        out["throughput"] = throughput(args.task, source, args.column, args.rows, args.workers, not args.no_ray)
    return out
