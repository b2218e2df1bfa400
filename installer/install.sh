#!/usr/bin/env bash
# CodeSynth Studio installer for Linux and macOS (per user, no root needed except for system packages).
#   installer/install.sh               install or repair (idempotent; an interrupted run can be re-run)
#   installer/install.sh uninstall     remove the app, its venv, models and launchers; keep sessions
#   installer/install.sh uninstall --purge   also remove the saved sessions
set -euo pipefail
SRC="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
APP_HOME="$DATA/codesynth-studio"          # also the app's user data dir (platformdirs)
APP="$APP_HOME/app"                         # a copy of the source tree
VENV="$APP_HOME/venv"
BIN="$HOME/.local/bin"
DESKTOP="$DATA/applications/codesynth-studio.desktop"
ICONS="$DATA/icons/hicolor"
LLAMA_WHEELS="${XDG_CACHE_HOME:-$HOME/.cache}/codesynth-studio/llama-cpp-wheels"  # installer/llama_cpp.sh
if [ "$(uname)" = Darwin ]; then APP_HOME="$HOME/Library/Application Support/codesynth-studio"; APP="$APP_HOME/app"; VENV="$APP_HOME/venv"; fi
T0=$SECONDS
step() { printf '\n[%3ss] %s\n' "$((SECONDS - T0))" "$*"; }

uninstall() {
  step "Removing CodeSynth Studio"
  rm -rf "$APP" "$VENV" "$APP_HOME/models" "$BIN/codesynth" "$BIN/codesynth-studio" "$DESKTOP" "$LLAMA_WHEELS"
  rmdir "$(dirname "$LLAMA_WHEELS")" 2>/dev/null || true
  for icon in "$ICONS"/*/apps/codesynth-studio.png "$ICONS"/scalable/apps/codesynth-studio.svg; do rm -f "$icon"; done
  if [ "${1:-}" = "--purge" ]; then
    rm -rf "$APP_HOME"
    echo "Removed everything, saved sessions included."
  else
    rmdir "$APP_HOME" 2>/dev/null || echo "Kept your saved sessions in $APP_HOME (uninstall --purge removes them)."
  fi
  # The desktop database was (re)built for our entry: rebuild it, or drop it when ours was the only one.
  if ls "$DATA/applications"/*.desktop >/dev/null 2>&1; then
    command -v update-desktop-database >/dev/null && update-desktop-database "$DATA/applications" 2>/dev/null || true
  else
    rm -f "$DATA/applications/mimeinfo.cache"
  fi
  step "Done"
}

if [ "${1:-}" = "uninstall" ]; then shift; uninstall "$@"; exit 0; fi

step "Checking Python (3.10 or newer)"
PY="${PYTHON:-python3}"
if ! command -v "$PY" >/dev/null || ! "$PY" -c 'import sys, venv; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "CodeSynth Studio needs Python 3.10 or newer with venv." >&2
  echo "  Debian/Ubuntu: sudo apt-get install python3 python3-venv" >&2
  echo "  macOS:         brew install python@3.11   (or the installer from python.org)" >&2
  exit 1
fi
echo "found $("$PY" --version)"

if [ "$(uname)" = Linux ]; then
  step "Checking system packages (Qt's xcb libraries, bubblewrap for the sandbox)"
  NEED="bubblewrap libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0 libegl1 libgl1 libfontconfig1 libdbus-1-3"
  missing=""
  if command -v dpkg-query >/dev/null; then
    for p in $NEED; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"; done
  fi
  if [ -z "$missing" ]; then echo "all present"
  elif [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
  else
    echo "Missing:$missing"
    echo "Install them with:  sudo apt-get install -y$missing"
    echo "(the app runs without them, but the window or the sandbox may not)"
  fi
fi

step "Copying the application to $APP"
mkdir -p "$APP_HOME"
rm -rf "$APP.partial" && mkdir -p "$APP.partial"
# Only what the source tree tracks: no venvs, caches or build outputs.
if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
  git -C "$SRC" ls-files -z | (cd "$SRC" && xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$APP.partial"
else
  (cd "$SRC" && tar --exclude=.venv --exclude=.git --exclude=__pycache__ -cf - .) | tar -xf - -C "$APP.partial"
fi
rm -rf "$APP" && mv "$APP.partial" "$APP"

step "Creating the virtual environment $VENV"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
step "Installing Python packages (torch about 200 MB for the CPU build; the GUI about 150 MB)"
"$VENV/bin/python" -m pip install -q --upgrade pip
# Pinned: an unpinned torch pulls a CUDA build of several GB.
"$VENV/bin/python" -m pip install -q -c "$APP/installer/pins.txt" torch || "$VENV/bin/python" -m pip install -q torch
"$VENV/bin/python" -m pip install -q -e "$APP"
# llama.cpp runs GGUF models faster on most CPUs (core/models/runner.py); without it they run on torch.
bash "$APP/installer/llama_cpp.sh" "$VENV/bin/python" "$APP/installer/pins.txt" \
  || echo "llama-cpp-python could not be built: models will run on torch" >&2
echo "venv size: $(du -sh "$VENV" | cut -f1)"

step "Installing the default model (Qwen2.5-Coder-0.5B-Instruct: 491 MB download, converted once, about 2 minutes)"
"$VENV/bin/codesynth" model install-default

step "Creating launchers, the desktop entry and icons"
mkdir -p "$BIN" "$(dirname "$DESKTOP")"
ln -sf "$VENV/bin/codesynth" "$BIN/codesynth"
ln -sf "$VENV/bin/codesynth-studio" "$BIN/codesynth-studio"
for png in "$APP"/resources/icons/codesynth-*.png; do
  size=$(basename "$png" .png | sed 's/codesynth-//')
  mkdir -p "$ICONS/${size}x${size}/apps"
  cp "$png" "$ICONS/${size}x${size}/apps/codesynth-studio.png"
done
mkdir -p "$ICONS/scalable/apps" && cp "$APP/resources/icons/codesynth.svg" "$ICONS/scalable/apps/codesynth-studio.svg"
cat > "$DESKTOP" <<DESK
[Desktop Entry]
Type=Application
Name=CodeSynth Studio
GenericName=Code Synthesis Workbench
Comment=Generate, rank and test code with a local language model
Exec=$VENV/bin/codesynth-studio
Icon=codesynth-studio
Terminal=false
Categories=Development;IDE;
Keywords=code;synthesis;codex;llm;python;
StartupWMClass=codesynth-studio
DESK
command -v update-desktop-database >/dev/null && update-desktop-database "$DATA/applications" 2>/dev/null || true
case ":$PATH:" in *":$BIN:"*) ;; *) echo "Add $BIN to your PATH to run 'codesynth' from a terminal." ;; esac
step "Installed. Start CodeSynth Studio from your applications menu, or run: $BIN/codesynth-studio"
