"""Every bad input gets a one-line reason, never a traceback."""

import json
import shutil
import subprocess
import sys
import time

import pytest

from core.models.info import ModelLoadError
from core.models.loader import load
from core.sampling.params import InvalidParams, SamplingParams


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(n=0), "n must be between 1 and 1000"),
        (dict(n=1001), "n must be between 1 and 1000"),
        (dict(temperature=-0.1), "temperature must be >= 0"),
        (dict(top_p=0), r"top_p must be in \(0, 1\]"),
        (dict(top_p=1.5), r"top_p must be in \(0, 1\]"),
        (dict(max_new_tokens=0), "max_new_tokens must be >= 1"),
        (dict(top_k=-1), "top_k must be >= 0"),
        (dict(mode="chat"), "mode must be one of"),
    ],
)
def test_invalid_params(kwargs, message):
    with pytest.raises(InvalidParams, match=message):
        SamplingParams(**kwargs).validated()


def test_empty_prompt(tiny_engine):
    with pytest.raises(InvalidParams, match="the prompt is empty"):
        tiny_engine.generate("  \n\t", SamplingParams())


def test_instruct_without_chat_template(tiny_engine):
    with pytest.raises(InvalidParams, match="no chat template"):
        tiny_engine.generate("def f():\n", SamplingParams(mode="instruct"))


@pytest.fixture
def broken_copy(tiny_model_dir, tmp_path):
    def make(breakage):
        folder = tmp_path / "broken"
        shutil.copytree(tiny_model_dir, folder)
        breakage(folder)
        return folder

    return make


def test_missing_folder(tmp_path):
    with pytest.raises(ModelLoadError, match="model folder not found"):
        load(str(tmp_path / "nope"), progress=lambda _m: None)


def test_folder_without_config(tmp_path):
    with pytest.raises(ModelLoadError, match="has no config.json"):
        load(str(tmp_path), progress=lambda _m: None)


def test_corrupt_config(broken_copy):
    folder = broken_copy(lambda f: (f / "config.json").write_text("{not json"))
    with pytest.raises(ModelLoadError, match="config.json in .* is corrupt"):
        load(str(folder), progress=lambda _m: None)


def test_corrupt_safetensors(broken_copy):
    def truncate(folder):
        weights = folder / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[:1000])

    with pytest.raises(ModelLoadError, match="weights in .* are corrupt or unreadable"):
        load(str(broken_copy(truncate)), progress=lambda _m: None)


def test_unknown_architecture(broken_copy):
    def rename(folder):
        cfg = json.loads((folder / "config.json").read_text())
        cfg["model_type"] = "florbnet"
        (folder / "config.json").write_text(json.dumps(cfg))

    with pytest.raises(ModelLoadError, match="unknown architecture 'florbnet'"):
        load(str(broken_copy(rename)), progress=lambda _m: None)


def test_hub_name_fails_at_once():
    started = time.monotonic()
    with pytest.raises(ModelLoadError, match="not available offline; give a local folder or GGUF"):
        load("Qwen/Qwen2.5-Coder-1.5B", progress=lambda _m: None)
    assert time.monotonic() - started < 2


def test_missing_gguf(tmp_path):
    with pytest.raises(ModelLoadError, match="GGUF file not found"):
        load(str(tmp_path / "x.gguf"), progress=lambda _m: None)


def test_broken_gguf(tmp_path):
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(ModelLoadError, match="cannot read GGUF file"):
        load(str(bad), progress=lambda _m: None)


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "core.cli.main", *args], input=stdin, capture_output=True, timeout=120)


@pytest.mark.slow
@pytest.mark.parametrize(
    "args,stdin,message",
    [
        (["generate", "-"], b"   \n", "the prompt is empty"),
        (["generate", "-"], b"def f(\xff\xfe):\n", "not valid UTF-8"),
        (["generate", "-", "-n", "0"], b"def f():\n", "n must be between 1 and 1000"),
        (["generate", "-", "-n", "5000"], b"def f():\n", "n must be between 1 and 1000"),
        (["generate", "-", "--temperature", "-1"], b"def f():\n", "temperature must be >= 0"),
        (["generate", "-", "--top-p", "0"], b"def f():\n", "top_p must be in"),
        (["generate", "-", "--max-new-tokens", "0"], b"def f():\n", "max_new_tokens must be >= 1"),
        (["generate", "-", "--model", "/no/such/folder"], b"def f():\n", "model folder not found"),
        (["generate", "/no/such/prompt.py"], None, "prompt file not found"),
        (["generate", "-", "--tests", __file__], b"class A:\n    def f(self):\n", "no top-level function"),
    ],
)
def test_cli_bad_input_is_one_line_and_nonzero(args, stdin, message, tiny_model_dir):
    if "--model" not in args:
        args = [*args, "--model", str(tiny_model_dir)]
    proc = run_cli(*args, stdin=stdin)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert message in err
    assert "Traceback" not in err
    assert len([line for line in err.splitlines() if line.startswith("codesynth: error")]) == 1
