# Sourced by bench/gpu_stage1.sh and bench/gpu_stage2.sh on the GPU machine: the binaries' folder ($bin), the
# output folder ($out), the log (everything printed goes to $out/$1.log), the shared-library check and the GPU's
# name ($gpu). Binaries come from bench/build_for_gpu.sh (CUDA runtime static; cuRAND's host library, which only
# the materialise baseline uses, is loaded at run time, so no binary needs it to start).
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=${BIN:-carry/bin}
out=${OUT:-.}
python=${PYTHON:-python3}
mkdir -p "$out"
# The device tool carries bench/build_for_gpu.sh's archive (carry/attnlim-gpu.tar.gz): unpacked afresh every
# time, since a warm machine keeps the carry/bin of an earlier call (an older build).
if [ -z "${BIN:-}" ] && [ -f carry/attnlim-gpu.tar.gz ]; then
  rm -rf carry/bin
  tar -xzf carry/attnlim-gpu.tar.gz -C carry || { echo "$1: FATAL: cannot unpack carry/attnlim-gpu.tar.gz" >&2; exit 2; }
fi
bin=$(cd "$bin" && pwd) || { echo "$1: FATAL: no folder ${BIN:-carry/bin}" >&2; exit 2; }
exec > >(tee "$out/$1.log") 2>&1
echo "== $1 $(date -u '+%Y-%m-%d %H:%M UTC') on $(hostname), binaries from $bin"

# Every shared library of every binary resolves, with the carried libgomp as a fallback; else exit 2.
unresolved() {
  local missing=0
  for b in attnlim attnlim_tests attnlim_bench; do
    if [ ! -x "$bin/$b" ]; then echo "FATAL: $bin/$b is missing or not executable"; exit 2; fi
    if ldd "$bin/$b" | grep -q "not found"; then echo "$b:"; ldd "$bin/$b" | grep "not found"; missing=1; fi
  done
  return $missing
}
if ! unresolved; then
  export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$bin/lib"
  echo "retrying with LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
  unresolved || { echo "FATAL: the libraries above do not resolve on this machine"; exit 2; }
fi
for b in attnlim attnlim_tests attnlim_bench; do echo "--- ldd $b"; ldd "$bin/$b"; done
# cuRAND's host library for the materialise baseline (stage 2): the toolkit's folder, or the NVIDIA wheels'
# (nvidia/curand/lib for CUDA 12 wheels, nvidia/cu13/lib for CUDA 13 ones: every nvidia/*/lib is tried).
for dir in /usr/local/cuda/lib64 $(ls -d /usr/local/cuda-*/lib64 /usr/local/cuda/targets/*/lib 2>/dev/null) \
           $("$python" -c 'import os, nvidia
for p in nvidia.__path__:
    for sub in sorted(os.listdir(p)): print(os.path.join(p, sub, "lib"))' 2>/dev/null); do
  [ -e "$dir/libcurand.so.10" ] && { export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$dir"; break; }
done

if command -v nvidia-smi > /dev/null; then
  gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader 2>&1 | head -1)
else
  gpu="unknown (no nvidia-smi)"
fi
echo "GPU: $gpu"
status=0
