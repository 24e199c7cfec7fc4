#!/usr/bin/env bash
# sam2nb on one GPU: predictor frames/s against sam2's own predictor, training steps/s and peak memory,
# long-video GPU memory -- random weights (official architecture), one command, under 8 minutes on an H100/H200.
#
#   bash bench/gpu.sh                # the GPU benchmark (writes $OUT/gpu_bench.json when OUT is set)
#   bash bench/gpu.sh --cpu-smoke    # every code path on the CPU: tiny model at 256 px, a few frames and steps
#
# Packages the GPU machine lacks (sam2, hydra-core, omegaconf, antlr4, iopath, pycocotools) travel as wheels in
# .whl/ (git-ignored) and are installed offline into /tmp/site; sam2nb itself is read from the repository
# (PYTHONPATH), not installed. Where they are importable already (a developer's machine), nothing is installed.
set -uo pipefail
cd "$(dirname "$0")/.."
export GPU_BENCH_T0="${GPU_BENCH_T0:-$(date +%s.%N)}"   # the 8-minute budget counts from here, installs included
PY="${PYTHON:-python3}"
if [ "${GPU_BENCH_INSTALL:-auto}" = 1 ] || ! "$PY" -c "import sam2, hydra, omegaconf, iopath, pycocotools" 2>/dev/null; then
    if ! ls .whl/*.whl >/dev/null 2>&1; then
        echo "bench/gpu.sh: sam2 (or hydra-core, omegaconf, iopath, pycocotools) is not importable and there are no wheels in .whl/" >&2
        exit 2
    fi
    SITE="${GPU_BENCH_SITE:-/tmp/site}"
    echo "installing $(ls .whl/*.whl | wc -l) carried wheels from .whl/ into $SITE (offline)"
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$SITE" .whl/*.whl || exit 3
    export PYTHONPATH="$SITE:$PWD${PYTHONPATH:+:$PYTHONPATH}"
else
    export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
fi
export PYTHONUNBUFFERED=1 TQDM_DISABLE=1
exec "$PY" -u bench/gpu.py "$@"
