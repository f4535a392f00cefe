"""How long a prime's chunk holds up a lane, by chunk size: the served ``kjv`` read through
``nn.LSTM`` in chunks of 512, 128 and 64 characters (one thread, as the app's lanes run), in
interleaved rounds; characters per second and the longest chunk, each beside the 512 row.

    python benchmarks/chargen/prefill_chunks.py [--rounds 3] [--chars 2048]
"""
import argparse
import statistics
import time

import torch

import zoo

SIZES = (512, 128, 64)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--chars", type=int, default=2048)
    a = ap.parse_args()
    torch.set_num_threads(1)
    pipe = zoo.pipeline("chargen", device="cpu")
    model = pipe.model
    text = "And the LORD spake unto Moses, saying, " * (a.chars // 30 + 1)
    ids = torch.tensor(pipe.preprocessor.encode(text))[None, : a.chars]
    rate, worst = {n: [] for n in SIZES}, {n: [] for n in SIZES}
    with torch.inference_mode():
        for _ in range(a.rounds):
            for n in SIZES:
                state, longest, started = None, 0.0, time.perf_counter()
                for i in range(0, a.chars, n):
                    t = time.perf_counter()
                    _, state = model.lstm(model.embedding(ids[:, i:i + n]), state)
                    longest = max(longest, time.perf_counter() - t)
                rate[n].append(a.chars / (time.perf_counter() - started))
                worst[n].append(longest * 1000)
    base_rate, base_worst = statistics.median(rate[512]), statistics.median(worst[512])
    for n in SIZES:
        r, w = statistics.median(rate[n]), statistics.median(worst[n])
        print(f"chunk {n:4d}: {r:7.0f} chars/s ({r / base_rate:.2f}x the 512 row), longest chunk {w:5.0f} ms "
              f"({w / base_worst:.2f}x)")


if __name__ == "__main__":
    main()
