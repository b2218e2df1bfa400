#!/usr/bin/env bash
# Developer bootstrap: creates or reuses .venv in the repository root, installs every
# dependency (Debian packages, pip packages, the embedded default model), then runs
#   demo  - the main job: rank candidates for a HumanEval prompt on the default model
#   test  - the import contract and the whole test suite
#   setup - installation only
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MODE=${1:-setup}
shift || true
export HF_HUB_OFFLINE=1
T0=$SECONDS
step() { printf '\n==> [%ss] %s\n' "$((SECONDS - T0))" "$*"; }

# Debian packages: bubblewrap for the sandbox, Xvfb and xcb libraries for a real Qt
# window, desktop-file-utils to validate the desktop entry, and Qt's runtime libraries.
DEB_PACKAGES="bubblewrap xvfb xauth libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libxkbcommon0 libegl1 libgl1 libfontconfig1 libdbus-1-3 \
desktop-file-utils"
missing=""
for p in $DEB_PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  step "Installing Debian packages:$missing"
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else SUDO="none"; fi
  if [ "$SUDO" = none ]; then
    echo "Cannot install system packages without root. Run:  sudo apt-get install -y$missing" >&2
  else
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  step "Creating virtual environment .venv"
  "$PY" -m venv .venv
fi
VPY="$ROOT/.venv/bin/python"
step "Installing Python packages (torch as installer/pins.txt pins it, a CPU build from local disk where available)"
"$VPY" -m pip install -q --upgrade pip
# torch first and pinned: an unpinned torch would pull a multi-GB CUDA build.
"$VPY" -m pip install -q -c installer/pins.txt torch
"$VPY" -m pip install -q -e ".[test,lint]"
# llama.cpp: on a CPU the engine runs GGUF models on its kernels (core/models/runner.py says when), and
# the real-server tests (tests/remote) serve the same GGUF with its OpenAI server (the [server]
# extra). Built for this CPU, about 5 minutes once (installer/llama_cpp.sh keeps the wheel). Without
# it the engine runs the converted model on torch, slower on most CPUs.
EXTRA=""
[ "$MODE" = test ] && EXTRA="[server]"
step "Installing llama-cpp-python$EXTRA (built once for this CPU, then cached)"
if ! bash installer/llama_cpp.sh "$VPY" installer/pins.txt "$EXTRA"; then
  # CI sets CODESYNTH_REQUIRE_LLAMA_SERVER=1: there a failed build fails the run, not a skip.
  [ "${CODESYNTH_REQUIRE_LLAMA_SERVER:-0}" = 1 ] && { echo "llama-cpp-python failed to build" >&2; exit 1; }
  echo "llama-cpp-python cannot be built here: models run on torch, and the real-server tests will skip" >&2
fi

step "Installing the default model (Qwen2.5-Coder-0.5B-Instruct: 491 MB download, verified, converted once)"
.venv/bin/codesynth model install-default
if [ "$MODE" = test ]; then
  step "Installing the test suite's fast model (SmolLM2-135M-Instruct: 94 MB)"
  .venv/bin/codesynth model install smollm2-135m-instruct
fi

case "$MODE" in
  setup) step "Set-up complete" ;;
  demo)
    step "Main job: 10 ranked candidates for HumanEval/0 on the default model, tested in the sandbox"
    .venv/bin/codesynth generate --task HumanEval/0 -n 10 --temperature 0.8 --format table "$@"
    ;;
  test)
    step "Import contract: core/ and sandbox/ never import Qt"
    .venv/bin/lint-imports
    step "Lint and types: ruff, mypy"
    .venv/bin/ruff check .
    .venv/bin/ruff format --check .
    .venv/bin/mypy
    step "Test suite"
    QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -q -ra "$@"
    ;;
  *) echo "usage: installer/bootstrap.sh [setup|demo|test] [extra args]" >&2; exit 2 ;;
esac
step "Done"
