#!/usr/bin/env bash
# Gather the wheels bench/indextts2_gpu.py needs on the lent GPU machine into gpu_carry/ (ignored by git).
# That machine has Python 3.12 with torch, torchaudio, transformers, accelerate, safetensors, sentencepiece,
# einops, numpy and scipy, and no package index; these small pure-Python or abi3 wheels travel with the
# working tree (run's `carry`: ["gpu_carry"], well under its 64 MiB). librosa and nemo-text-processing are
# too big to travel (numba/llvmlite, pynini): the benchmark does without them (see its docstring).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf gpu_carry && mkdir gpu_carry
python -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --python-version 3.12 --platform manylinux_2_28_x86_64 -d gpu_carry \
  indextts2-inference==2.1.1 omegaconf==2.4.0 munch==4.0.0 soxr==1.1.0 2>&1 | grep -v "is ignored" || true
ls gpu_carry/*.whl >/dev/null
echo "[gpu_carry] $(ls gpu_carry | wc -l) wheels, $(du -sh gpu_carry | cut -f1)"
echo "[gpu_carry] on the GPU machine:"
echo "  python3 -m pip install --quiet --no-index --no-deps gpu_carry/*.whl && \\"
echo "  python3 -m bench.indextts2_gpu --size full --device cuda --report \$OUT/indextts2_gpu.md --json \$OUT/indextts2_gpu.json"
