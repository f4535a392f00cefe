"""A training run folder rebuilt from a checkpoint: its weights, and the run's state as the
checkpoint's ``config.json`` records it (architecture, options, history), with the preprocessor
as training left it (no partners, intervals unscaled). Lets a checkpoint be exported again, with
other partners chosen on dev, when its run folder is gone (runs are not committed):

    python benchmarks/forecasting/run_from_checkpoint.py plugins/forecasting/checkpoints/m3-monthly runs/fc-final24
    python -m zoo train forecasting --out runs/fc-final24 --export ... --calibrate runs/fc-final24 --serves other
"""
import argparse
import json
import shutil
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("checkpoint", type=Path)
    ap.add_argument("out", type=Path)
    a = ap.parse_args()
    config = json.loads((a.checkpoint / "config.json").read_text())
    pre = {k: v for k, v in json.loads((a.checkpoint / "preprocessor.json").read_text()).items() if k != "combine"}
    pre["interval_scale"] = 1.0
    training = config["training"]
    state = {"architecture": config["architecture"], "preprocessor": pre, "args": training["args"],
             "history": training["history"], "attempts": training.get("attempts", {})}
    a.out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(a.checkpoint / "model.safetensors", a.out / "model.safetensors")
    (a.out / "state.json").write_text(json.dumps(state, indent=1))
    print(f"{a.out}: {a.checkpoint.name}'s weights, trained with {json.dumps(training['args'])}")


if __name__ == "__main__":
    main()
