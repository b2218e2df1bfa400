#!/usr/bin/env bash
# The GPU lane in one script (under 8 minutes on one H100): the GPU tests, then the sampling
# benchmark at n=20 and n=200 against transformers' generate(n), printing the figures.
#   bash benchmarks/gpu_check.sh      (after `bash installer/bootstrap.sh setup` on the GPU machine)
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1
PY=${PY:-.venv/bin/python}
"$PY" - <<'PYEOF'
import torch
assert torch.cuda.is_available(), "no CUDA device: the GPU lane needs one"
print("device:", torch.cuda.get_device_name(0), "torch", torch.__version__)
PYEOF
"$PY" -m pytest -q -ra tests/gpu
for n in 20 200; do
  echo "== sampling, default model, n=$n, ours against generate(n)"
  "$PY" benchmarks/bench_sampling.py -n "$n" --methods ours,hf,ours_1
done
