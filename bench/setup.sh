# Sourced by bench/run.sh and bench/models.sh: sets here, root, build (argument 1, default build-bench; configured
# and built without CUDA when attnlim_bench is missing), python (PYTHON, default /usr/bin/python3) and out
# (BENCH_OUT, default a fresh temporary folder named after argument 2).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-$root/build-bench}
python=${PYTHON:-/usr/bin/python3}
[ -x "$python" ] || python=python3
out=${BENCH_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/${2:-attnlim-bench}.XXXXXX")}
mkdir -p "$out"

if [ ! -x "$build/bench/attnlim_bench" ]; then
  echo "building attnlim_bench in $build" >&2
  cmake -S "$root" -B "$build" -G Ninja -DATTNLIM_CUDA=OFF >&2
  cmake --build "$build" -j"$(nproc)" --target attnlim_bench >&2
fi
