"""installer/install.sh from a clean clone in a temporary HOME: installs, is idempotent, leaves a
valid desktop entry and working commands, and uninstalls without leaving anything behind."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def files_under(root: Path) -> list[str]:
    # Bytecode caches are rewritten by every run of Python; they are not installed state.
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if (p.is_file() or p.is_symlink()) and "__pycache__" not in p.parts
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    clone = tmp_path_factory.mktemp("src") / "codesynth"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    if subprocess.run(["git", "-C", str(REPO), "status", "--porcelain"], capture_output=True, text=True).stdout:
        # Uncommitted work (a developer's checkout) is tested as it is, like a commit would be.
        subprocess.run(
            f"git -C {REPO} ls-files -z --cached --others --exclude-standard | xargs -0 -I{{}} cp --parents {{}} {clone}",
            shell=True,
            check=True,
            cwd=REPO,
        )
    env = {
        "HOME": str(home),
        "PATH": os.environ["PATH"],
        "LANG": "C.UTF-8",
        # The host's toolchain proxies on PATH (rustup) write their own settings into HOME.
        "RUSTUP_HOME": os.environ.get("RUSTUP_HOME", str(Path.home() / ".rustup")),
        "CARGO_HOME": os.environ.get("CARGO_HOME", str(Path.home() / ".cargo")),
        # Reuse the machine's download cache so the test measures the installer, not the network.
        "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")),
        # and the llama.cpp build for this CPU (installer/llama_cpp.sh), which takes minutes.
        "CODESYNTH_LLAMA_WHEELS": os.environ.get(
            "CODESYNTH_LLAMA_WHEELS", str(Path.home() / ".cache" / "codesynth-studio" / "llama-cpp-wheels")
        ),
    }
    first = subprocess.run(
        ["bash", str(clone / "installer" / "install.sh")], env=env, capture_output=True, text=True, timeout=1500
    )
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    before = files_under(home)
    second = subprocess.run(
        ["bash", str(clone / "installer" / "install.sh")], env=env, capture_output=True, text=True, timeout=900
    )
    assert second.returncode == 0, second.stderr[-3000:]
    return home, clone, env, first.stdout + second.stdout, before


def test_progress_is_reported(installed):
    _home, _clone, _env, out, _before = installed
    for step in (
        "Checking Python",
        "Creating the virtual environment",
        "Installing the default model",
        "desktop entry",
    ):
        assert step in out
    assert "[" in out and "s]" in out  # elapsed time on every step


def test_second_run_changes_nothing(installed):
    home, _clone, _env, _out, before = installed
    assert files_under(home) == before


def test_desktop_entry_is_valid(installed):
    home = installed[0]
    entry = home / ".local/share/applications/codesynth-studio.desktop"
    validator = shutil.which("desktop-file-validate")
    assert validator, "desktop-file-validate missing: installer/bootstrap.sh installs desktop-file-utils"
    result = subprocess.run([validator, str(entry)], capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout
    assert (home / ".local/share/icons/hicolor/256x256/apps/codesynth-studio.png").is_file()
    exec_line = next(line for line in entry.read_text().splitlines() if line.startswith("Exec="))
    assert Path(exec_line.removeprefix("Exec=")).is_file()


def test_commands_work_on_the_default_model(installed):
    home, _clone, env, _out, _before = installed
    codesynth = home / ".local/bin/codesynth"
    version = subprocess.run([str(codesynth), "--version"], env=env, capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("codesynth ")
    gen = subprocess.run(
        [str(codesynth), "generate", "-", "-n", "2", "--max-new-tokens", "12", "--mode", "completion"],
        input="def add(a, b):\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert gen.returncode == 0, gen.stderr
    rows = [json.loads(line) for line in gen.stdout.splitlines()]
    assert len(rows) == 2 and all("mean_logprob" in r and "completion" in r for r in rows)


def test_uninstall_leaves_nothing_behind(installed):
    home, clone, env, _out, _before = installed
    sessions = home / ".local/share/codesynth-studio/sessions.db"
    sessions.write_text("user data")
    # The llama.cpp wheels built for this CPU (installer/llama_cpp.sh) are the app's too. The test's
    # installs kept them elsewhere (CODESYNTH_LLAMA_WHEELS), so one is put where a user's would be.
    kept = home / ".cache/codesynth-studio/llama-cpp-wheels/0.0.0-cpu/llama_cpp_python-0.0.0-py3-none-any.whl"
    kept.parent.mkdir(parents=True)
    kept.write_text("a wheel")
    result = subprocess.run(
        ["bash", str(clone / "installer" / "install.sh"), "uninstall"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert files_under(home) == [".local/share/codesynth-studio/sessions.db"], "only the sessions stay"
    purge = subprocess.run(
        ["bash", str(clone / "installer" / "install.sh"), "uninstall", "--purge"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert purge.returncode == 0
    assert files_under(home) == []
