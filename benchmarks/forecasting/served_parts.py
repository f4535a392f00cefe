"""What each part of the served forecasting path costs over a whole M3 subset, in one run
(median of --rounds, rounds interleaved): parsing to results (``pipe.batch``), the encodings with
the partners the network reads, the network, each of the zoo's partners alone, and the
partners fitted together as ``combine.batch_fits`` fits them; and how much of ``pipe.batch`` the
garbage collector took, per generation (a full collection walks every object the process holds).

    python benchmarks/forecasting/served_parts.py
    python benchmarks/forecasting/served_parts.py --checkpoint m3-quarterly --partners SES-Theta,Holt-Winters,Dynamic-Theta
"""
import argparse
import gc
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main() -> None:
    import zoo
    from plugins.forecasting import combine, data
    from plugins.forecasting.evaluate import period_of
    from plugins.forecasting.model import model_inputs

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", default=None)
    ap.add_argument("--partners", default=None, help="comma-separated: the partners timed (default: those the "
                    "network reads)")
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    pipe = zoo.pipeline("forecasting", checkpoint=a.checkpoint, device="cpu")
    pre, p = pipe.preprocessor, data.period(period_of(pipe.config))
    names = a.partners.split(",") if a.partners else list(pre.reads)
    histories = [h for _, h, _ in data.split("test", p.name)]  # the training parts: no test value is read
    context = [np.asarray(h, dtype=np.float64)[-pre.context:] for h in histories]
    parts: dict[str, list[float]] = {}

    def timed(label, fn):
        started = time.perf_counter()
        out = fn()
        parts.setdefault(label, []).append(time.perf_counter() - started)
        return out

    collecting: dict[str, float] = {}  # the garbage collector's time, per generation, while pipe.batch runs

    def on_gc(phase, info, clock=time.perf_counter):
        if phase == "start":
            collecting["since"] = clock()
        elif "since" in collecting and collecting.get("timing"):
            key = f"  of which the garbage collector, generation {info['generation']}"
            collecting[key] = collecting.get(key, 0.0) + clock() - collecting.pop("since")

    gc.callbacks.append(on_gc)
    pipe.batch(histories[:50], horizon=p.horizon, season_length=p.season)  # warm-up
    for _ in range(a.rounds):
        collecting.clear()
        collecting["timing"] = True
        timed("pipe.batch (everything)", lambda: pipe.batch(histories, horizon=p.horizon, season_length=p.season))
        collecting["timing"] = False
        for generation in range(3):
            key = f"  of which the garbage collector, generation {generation}"
            parts.setdefault(key, []).append(collecting.get(key, 0.0))
        encs = timed("encodings with the partners read", lambda: pre.encode_batch(histories, p.season))
        x, r = model_inputs(encs, pre.horizon)
        with torch.no_grad():
            timed("the network", lambda x=x, r=r: pipe.model(x, r))
        for name in names:
            timed(f"{name} alone", lambda n=name: combine.OWN[n](context, pre.horizon, p.season))
        if names:
            timed(f"{' + '.join(names)} (batch_fits)",
                  lambda: combine.batch_fits({"models": names}, context, pre.horizon, p.season))
    print(f"{pipe.config.get('id', a.checkpoint or 'default')}: {len(histories)} M3 {p.name} series, "
          f"{a.rounds} rounds, torch threads {torch.get_num_threads()}")
    for label, seconds in parts.items():
        print(f"{label:45s} {np.median(seconds):.3f} s  ({', '.join(f'{s:.3f}' for s in seconds)})")


if __name__ == "__main__":
    main()
