"""Dev only: how often the sentiment caution (most words unknown, or not English) fires on the
English dev texts the checkpoints were selected on, by rule, for the default checkpoint.

    python benchmarks/sentiment/caution_dev.py
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import zoo  # noqa: E402
from plugins.sentiment import data, domains  # noqa: E402


def main() -> None:
    pre = zoo.pipeline("sentiment", device="cpu").preprocessor
    sets = {"movie sentences": [e.text for e in data.load_splits()["dev"]],
            **{d: [e.text for e in domains.load(d)["dev"]] for d in domains.TRAINABLE}}
    out = {}
    for name, texts in sets.items():
        notices = [pre.encode(t).notices for t in texts]
        out[name] = {"texts": len(texts),
                     "unknown words": sum(any("unknown to the model" in n for n in ns) for ns in notices),
                     "not English": sum(any("does not look like English" in n for n in ns) for ns in notices)}
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
