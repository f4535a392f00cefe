"""``python -m zoo bench chargen``: generation speed at batch 1, each figure beside its baselines
from the same run, on the same weights:

- ``served``: what the app and pipeline run (``generate.sample`` with the model's default step:
  int8 weights on the CPU), and the same loop with the float32 fused step;
- (a) ``naive``: re-feed the whole text through ``nn.LSTM`` for every new character;
- (b) ``nn_lstm_step``: the default ``nn.LSTM`` called once per character with the state kept;
- (c) ``machine_limit``: bytes of recurrent and output weights one step reads, divided by the
  faster of two bandwidths measured here over that many bytes (the same working set): a float32
  ``torch.mv`` over such a matrix, and a plain sum over such a buffer (since 2026-12-04: the
  3x1024 ``kjv``'s int8 step, 21 MB that stay in the 32 MB L3, beat the ``mv`` figure 2.5x), for
  float32 and int8, in every round;
- ``memory``: peak resident memory of a process that loads every checkpoint of every task and
  runs one request on each, beside a process that only imports torch and the zoo.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

import zoo

from .generate import sample

PRIME = "In the beginning"


def _median_rate(fn, chars: int, repeats: int = 1) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return chars / statistics.median(times)


def served_rate(pipe, step, chars: int, repeats: int = 1) -> float:
    ids = pipe.preprocessor.encode(PRIME)
    params = dict(max_new_chars=chars, temperature=0.8, top_k=0, top_p=1.0, seed=0, num_samples=1, stop="")
    return _median_rate(lambda: list(sample(pipe.model, pipe.preprocessor, ids, step=step, **params)), chars, repeats)


@torch.inference_mode()
def nn_lstm_step_rate(model, ids: list[int], chars: int) -> float:
    """(b): the textbook loop: ``nn.LSTM`` on one character at a time, state kept."""
    generator = torch.Generator().manual_seed(0)

    def run():
        x = torch.tensor([ids])
        out, state = model.lstm(model.embedding(x))
        for _ in range(chars):
            probs = F.softmax(model.head(out[:, -1]) / 0.8, dim=-1)
            nxt = torch.multinomial(probs, 1, generator=generator)
            out, state = model.lstm(model.embedding(nxt), state)

    return _median_rate(run, chars)


@torch.inference_mode()
def naive_rate(model, ids: list[int], chars: int) -> float:
    """(a): no kept state: the whole text so far runs through the LSTM for every character."""
    generator = torch.Generator().manual_seed(0)

    def run():
        x = torch.tensor([ids])
        for _ in range(chars):
            logits, _ = model(x)
            nxt = torch.multinomial(F.softmax(logits[:, -1] / 0.8, dim=-1), 1, generator=generator)
            x = torch.cat([x, nxt], dim=1)

    return _median_rate(run, chars)


def read_times(nbytes: int, repeats: int = 50) -> list[float]:
    """Seconds per sum over a buffer of ``nbytes`` bytes (as int64): a plain read of the same
    working set, which a float32 ``mv`` (compute-bound at a cache-sized matrix) understates."""
    buf = torch.ones(max(1, nbytes // 8), dtype=torch.int64)
    for _ in range(5):
        buf.sum()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        buf.sum()
        times.append(time.perf_counter() - started)
    return times


def matvec_times(nbytes: int, repeats: int = 50) -> list[float]:
    """Seconds per float32 matrix-vector product over a matrix of ``nbytes`` bytes."""
    cols = 1024
    w, x = torch.randn(max(1, nbytes // 4 // cols), cols), torch.randn(cols)
    for _ in range(5):
        torch.mv(w, x)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        torch.mv(w, x)
        times.append(time.perf_counter() - started)
    return times


# Peak RSS from /proc's VmHWM: it belongs to the new process image, whereas ru_maxrss keeps the
# high-water mark of the (large) benchmark process the child was forked from.
MEMORY_SCRIPT = """
import json, resource, sys
def peak_mb():
    try:
        with open("/proc/self/status") as f:
            return round(next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) / 1024, 1)
    except OSError:
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
import torch, zoo
if sys.argv[1] == "serve":
    reg = zoo.registry()
    loaded = []
    for task in reg.tasks.values():
        for ckpt in task.checkpoints:
            pipe = zoo.pipeline(task, checkpoint=ckpt.id, device="cpu")
            example = task.examples()[0]
            if task.streaming:
                for _ in task.stream(pipe, example, **task.coerce_params({"max_new_chars": 50, "seed": 0})):
                    pass
            else:
                pipe(example)
            loaded.append(f"{task.name}/{ckpt.id}")
    print(json.dumps({"loaded": loaded, "peak_rss_mb": peak_mb()}))
else:
    print(json.dumps({"peak_rss_mb": peak_mb()}))
"""


def memory() -> dict:
    def run(mode):
        out = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, mode], capture_output=True, text=True, check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    serving, imports = run("serve"), run("import")
    return {"serving_all_checkpoints": serving, "import_torch_and_zoo_only": imports,
            "extra_mb": round(serving["peak_rss_mb"] - imports["peak_rss_mb"], 1)}


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = __doc__
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument("--checkpoint", default=None)
    p.add_argument("--chars", type=int, default=2000, help="characters per timed run of the served loop")
    p.add_argument("--repeats", type=int, default=5, help="interleaved rounds")
    p.add_argument("--baseline-chars", type=int, default=200, help="characters per round for (b)")
    p.add_argument("--naive-chars", type=int, default=100, help="characters per round for (a)")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    p.add_argument("--no-memory", action="store_true")


def run(args) -> dict:
    if args.threads:
        torch.set_num_threads(args.threads)
    pipe = zoo.pipeline("chargen", checkpoint=args.checkpoint, device="cpu")
    model = pipe.model
    ids = pipe.preprocessor.encode(PRIME)
    int8_step, fp32_step = model.stepper(), model.stepper(int8=False)
    kinds = {"int8": int8_step, "float32": fp32_step} if int8_step.int8 else {"float32": fp32_step}
    step_bytes = {k: s.weight_bytes for k, s in kinds.items()}  # the output layer included
    # Rounds that interleave every measurement, so drift in this machine's speed (it moves by 2x
    # within minutes) hits all of them alike; figures are medians over rounds, and each ratio is
    # the median of the per-round ratios.
    def one_round() -> dict:
        r = {f"served ({k})": served_rate(pipe, s, args.chars, 1) for k, s in kinds.items()}
        r["(b) nn.LSTM one step"] = nn_lstm_step_rate(model, ids, args.baseline_chars)
        r["(a) naive re-feed"] = naive_rate(model, ids, args.naive_chars)
        for k, n in step_bytes.items():
            r[f"bandwidth ({k})"] = (n // 4 // 1024) * 1024 * 4 / statistics.median(matvec_times(n))
            r[f"bandwidth read ({k})"] = (n // 8) * 8 / statistics.median(read_times(n))
            # The faster of the two: a limit must not be beaten (the mv alone was, 2.5x, by the 3x1024's
            # int8 step, whose 21 MB stay in the L3 cache that a float32 mv is too slow to drain).
            r[f"(c) machine limit ({k})"] = max(r[f"bandwidth ({k})"], r[f"bandwidth read ({k})"]) / n
        return r

    one_round()  # warm-up
    rounds = [one_round() for _ in range(args.repeats)]
    med = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    served_key = f"served ({'int8' if 'int8' in kinds else 'float32'})"

    def ratio(num: str, den: str) -> float:
        return statistics.median(r[num] / r[den] for r in rounds)

    result = {
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "cpus": os.cpu_count(), "torch": torch.__version__, "threads": torch.get_num_threads()},
        "date": datetime.date.today().isoformat(),
        "checkpoint": pipe.source.name if pipe.source else args.checkpoint,
        "architecture": pipe.config["architecture"],
        "chars_per_s": {key: round(v, 1) for key, v in med.items() if not key.startswith("bandwidth")},
        "ratios": {
            f"{served_key} / (b)": round(ratio(served_key, "(b) nn.LSTM one step"), 1),
            f"{served_key} / (a)": round(ratio(served_key, "(a) naive re-feed"), 1),
            **{f"served ({k}) / limit ({k})": round(ratio(f"served ({k})", f"(c) machine limit ({k})"), 2)
               for k in kinds},
        },
        "per_round_served_over_b": [round(r[served_key] / r["(b) nn.LSTM one step"], 1) for r in rounds],
        "matvec_bandwidth_gb_s": {k: round(med[f"bandwidth ({k})"] / 1e9, 1) for k in kinds},
        "read_bandwidth_gb_s": {k: round(med[f"bandwidth read ({k})"] / 1e9, 1) for k in kinds},
        "weight_bytes_per_step": step_bytes,
        "notes": f"batch 1, temperature 0.8, prime {PRIME!r}; {args.repeats} interleaved rounds after a warm-up "
                 f"round; per round: served {args.chars} characters, (b) {args.baseline_chars}, "
                 f"(a) {args.naive_chars} (it slows as the text grows)",
    }
    if not args.no_memory:
        result["memory"] = memory()
    return result
