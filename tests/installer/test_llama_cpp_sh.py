"""installer/llama_cpp.sh's decisions, with pip stood in for by a script that records its calls: a
real build takes minutes and is exercised by every fresh set-up (CI's first run on a machine).

What is checked: the build for this CPU comes first and the portable one only when it fails; the
wheel is kept per kind of CPU and reused; a kept portable build says so at every install; an
interrupted build leaves no wheel behind; a cached wheel replaces whatever the venv held; a build
that fails both ways fails the script."""

import os
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "installer" / "llama_cpp.sh"
PINS = REPO / "installer" / "pins.txt"
VERSION = re.search(r"^llama-cpp-python==(\S+)", PINS.read_text(), re.MULTILINE).group(1)

# Stands in for the venv's python: `-m pip wheel` writes a wheel named as pip would (or fails when
# $FAIL_ARGS names the CMAKE_ARGS given), every call is logged with the CMAKE_ARGS it saw.
FAKE_PYTHON = r"""#!/usr/bin/env bash
echo "CMAKE_ARGS=${CMAKE_ARGS:-} $*" >> "$LOG"
if [ "$3" = wheel ]; then
  for f in ${FAIL_ARGS:-}; do [ "$f" = "${CMAKE_ARGS:-}" ] && exit 1; done
  out=""; while [ $# -gt 0 ]; do [ "$1" = -w ] && out=$2; shift; done
  echo "built with ${CMAKE_ARGS:-}" > "$out/llama_cpp_python-$VERSION-py3-none-linux_x86_64.whl"
fi
exit 0
"""


def run(tmp_path: Path, fail: str = "") -> tuple[subprocess.CompletedProcess, list[str]]:
    python = tmp_path / "python"
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    log = tmp_path / "calls.log"
    log.unlink(missing_ok=True)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path / "home"),
        "LOG": str(log),
        "VERSION": VERSION,
        "FAIL_ARGS": fail,
        "CODESYNTH_LLAMA_WHEELS": str(tmp_path / "wheels"),
    }
    done = subprocess.run(
        ["bash", str(SCRIPT), str(python), str(PINS), "[server]"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done, log.read_text().splitlines() if log.exists() else []


def cached_wheels(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "wheels").rglob("*.whl"))


def test_builds_for_this_cpu_once_then_reuses_the_wheel(tmp_path):
    first, calls = run(tmp_path)
    assert first.returncode == 0, first.stderr
    builds = [c for c in calls if " wheel " in c]
    assert len(builds) == 1 and builds[0].startswith("CMAKE_ARGS=-DGGML_NATIVE=ON ")
    (wheel,) = cached_wheels(tmp_path)
    assert wheel.read_text() == "built with -DGGML_NATIVE=ON\n"
    assert wheel.parent.name.startswith(f"{VERSION}-"), "the folder names the version and the kind of CPU"
    # The cached wheel replaces what the venv holds, then the extra's own packages come from the index.
    assert any("--force-reinstall" in c and str(wheel) in c for c in calls)
    assert calls[-1].endswith(f"llama-cpp-python[server]=={VERSION}")
    assert "portable" not in first.stderr

    second, calls = run(tmp_path)
    assert second.returncode == 0
    assert not [c for c in calls if " wheel " in c], "a kept wheel is not built again"
    assert any("--force-reinstall" in c and str(wheel) in c for c in calls)


def test_falls_back_to_the_portable_build(tmp_path):
    done, calls = run(tmp_path, fail="-DGGML_NATIVE=ON")
    assert done.returncode == 0, done.stderr
    assert "building the portable one" in done.stderr
    assert [c.split()[0] for c in calls if " wheel " in c] == [
        "CMAKE_ARGS=-DGGML_NATIVE=ON",
        "CMAKE_ARGS=-DGGML_NATIVE=OFF",
    ]
    (wheel,) = cached_wheels(tmp_path)
    assert wheel.read_text() == "built with -DGGML_NATIVE=OFF\n"
    # Kept, and said at every install, with the way to try the build for this CPU again.
    again, calls = run(tmp_path)
    assert again.returncode == 0 and not [c for c in calls if " wheel " in c]
    assert (
        f"using the portable build (the build for this CPU failed; delete {wheel.parent} to try again)" in again.stderr
    )


def test_a_failed_build_fails_and_keeps_no_wheel(tmp_path):
    done, calls = run(tmp_path, fail="-DGGML_NATIVE=ON -DGGML_NATIVE=OFF")
    assert done.returncode != 0
    assert cached_wheels(tmp_path) == []
    assert not [c for c in calls if " install " in c], "nothing is installed"


def test_an_interrupted_build_is_built_again(tmp_path):
    """A wheel left in a build's own folder (the build was killed after writing it, before the
    move) is not taken for a finished one."""
    done, _ = run(tmp_path)
    assert done.returncode == 0
    (wheel,) = cached_wheels(tmp_path)
    partial = wheel.parent.with_name(wheel.parent.name + ".partial.Xy12ab")
    partial.mkdir()
    wheel.rename(partial / wheel.name)
    wheel.parent.rmdir()
    again, calls = run(tmp_path)
    assert again.returncode == 0, again.stderr
    assert len([c for c in calls if " wheel " in c]) == 1
    assert [w.parent for w in cached_wheels(tmp_path) if w.parent != partial] == [wheel.parent]
    assert list((tmp_path / "wheels").glob("*.partial.*")) == [partial], "the new build's own folder is gone"
