#!/usr/bin/env bash
# Installs llama-cpp-python built for this CPU:  installer/llama_cpp.sh PYTHON PINS [EXTRA]
#
# On a CPU the engine runs GGUF models on llama.cpp's kernels (core/models/runner.py says when).
# A build for this CPU's own instructions (GGML_NATIVE) is faster than the portable one where the
# CPU has more than AVX2: on an AVX-512 machine the default model decoded 20 rows 1.42x as fast
# and read a prompt 1.56x as fast (BENCHMARKS.md). Such a build crashes on a CPU without those
# instructions, and pip's own wheel cache does not tell builds apart, so the wheel is built here,
# once, into a cache folder named after what the compiler sees of the CPU: a home shared by
# machines of different CPUs builds once per kind of CPU. Where the native build fails, the
# portable one is built and kept instead, and said so at every install. About 5 minutes on 2
# cores (twice that when the native build fails first); later runs reinstall the kept wheel in
# seconds. CODESYNTH_LLAMA_WHEELS names another folder for the wheels (`install.sh uninstall`
# removes only the default one).
set -euo pipefail
VPY=$1
PINS=$2
EXTRA=${3:-}
VERSION=$(sed -n 's/^llama-cpp-python==\([^ ]*\).*/\1/p' "$PINS")

cpu_features() {
  if [ -r /proc/cpuinfo ]; then
    grep -m1 -E '^(flags|Features)' /proc/cpuinfo || true
  else
    sysctl -n machdep.cpu.brand_string machdep.cpu.features 2>/dev/null || true
  fi
  uname -m
  # What -march=native enables: a kernel too old to list a CPU feature still lets the compiler use it.
  cc -march=native -Q --help=target 2>/dev/null || true
}
KEY=$(cpu_features | { sha256sum 2>/dev/null || shasum -a 256; } | cut -c1-16)
WHEELS="${CODESYNTH_LLAMA_WHEELS:-${XDG_CACHE_HOME:-$HOME/.cache}/codesynth-studio/llama-cpp-wheels}/$VERSION-$KEY"
PORTABLE_NOTE="$WHEELS/PORTABLE"

wheel() { find "$WHEELS" -maxdepth 1 -name "llama_cpp_python-$VERSION-*.whl" 2>/dev/null | head -1; }

if [ -z "$(wheel)" ]; then
  # Built in a folder of its own and moved into place only once whole: an interrupted build
  # leaves no wheel, and two installs at once do not share a half-built one.
  mkdir -p "$(dirname "$WHEELS")"
  PARTIAL=$(mktemp -d "$WHEELS.partial.XXXXXX")
  trap 'rm -rf "$PARTIAL"' EXIT
  build() {
    CMAKE_ARGS="$1" "$VPY" -m pip wheel -q --no-deps --no-cache-dir -w "$PARTIAL" "llama-cpp-python==$VERSION"
  }
  if ! build "-DGGML_NATIVE=ON"; then
    echo "llama.cpp: the build for this CPU failed; building the portable one" >&2
    build "-DGGML_NATIVE=OFF"
    date > "$PARTIAL/PORTABLE"
  fi
  mkdir -p "$WHEELS"
  mv "$PARTIAL"/* "$WHEELS"/
fi
if [ -e "$PORTABLE_NOTE" ]; then
  echo "llama.cpp: using the portable build (the build for this CPU failed; delete $WHEELS to try again)" >&2
fi
# --force-reinstall: a venv may hold a build made for another CPU, or the portable one.
"$VPY" -m pip install -q --no-deps --force-reinstall "$(wheel)"
# The extra's own packages ([server]: the OpenAI server's), from the index.
"$VPY" -m pip install -q -c "$PINS" --find-links "$WHEELS" "llama-cpp-python$EXTRA==$VERSION"
