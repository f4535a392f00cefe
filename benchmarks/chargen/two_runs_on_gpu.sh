#!/bin/bash
# Two KJV chargen runs side by side on one lent GPU (2026-12-04: one H200, 7 minutes each); the
# run with the lower dev bits comes back in $OUT as float16 weights split under 16 MiB, beside
# both runs' logs and state.json. Test is not read here: export the chosen run where the data is.
#
# On this machine: mkdir -p .gpu/data/kjv && cp ~/.cache/lstm_zoo/data/kjv/kjv.txt .gpu/data/kjv/
# (.gpu/ is git-ignored), then on the device: MINUTES=7 bash benchmarks/chargen/two_runs_on_gpu.sh
# with .gpu carried. Back here: cat best16.part* > RUN/best.safetensors, copy b-state.json (or
# a-state.json) to RUN/state.json, and `python -m zoo train chargen --out RUN --export DIR`.
cd "$(dirname "$0")/../.."
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
export ZOO_DATA_DIR=${ZOO_DATA_DIR:-$PWD/.gpu/data} ZOO_DEVICE=${ZOO_DEVICE:-cuda} PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 PYTHONWARNINGS=ignore
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.is_available(), torch.backends.cudnn.version())"
M=${MINUTES:-7}
common="--hidden-size ${HIDDEN:-1024} --num-layers 3 --embedding-dim 128 --lr 2e-3 --batch-size 128 --seq 256 --epochs 100 --minutes $M --save-every 0.5 --fit-schedule"
python3 -m zoo train chargen --out /tmp/runs/kjv-a $common --dropout 0.25 --weight-drop 0.5 > $OUT/a.log 2>&1 &
python3 -m zoo train chargen --out /tmp/runs/kjv-b $common --dropout 0.2 --weight-drop 0.2 > $OUT/b.log 2>&1 &
wait
for f in $OUT/a.log $OUT/b.log; do tail -n 3 $f; done
cp /tmp/runs/kjv-a/state.json $OUT/a-state.json; cp /tmp/runs/kjv-b/state.json $OUT/b-state.json
python3 - <<'PY'
import json
from safetensors.torch import load_file, save_file
best = {r: json.load(open(f"/tmp/runs/kjv-{r}/state.json")).get("best", {}).get("dev_bpc", 9) for r in "ab"}
r = min(best, key=best.get)
print("dev best", best, "->", r)
w = load_file(f"/tmp/runs/kjv-{r}/best.safetensors")
save_file({k: v.half().contiguous() for k, v in w.items()}, "/tmp/best16.safetensors", metadata={"run": r})
PY
split -b 15m -d /tmp/best16.safetensors $OUT/best16.part
ls -la $OUT
