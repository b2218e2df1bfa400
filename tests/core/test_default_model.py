"""Integration: the embedded default model (SmolLM2-135M-Instruct) on HumanEval/0, both modes."""
import ast
import math
import subprocess
import sys
import time

import pytest

from core import model_store
from core.params import CODEX_STOPS, SamplingParams
from core.problems import load_problems

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def humaneval0():
    return load_problems()["HumanEval/0"]


def test_install_default_is_idempotent_and_fast_the_second_time():
    messages = []
    started = time.monotonic()
    folder = model_store.install_default(messages.append)
    assert time.monotonic() - started < 1
    assert folder == model_store.default_model_dir() and model_store.is_installed(folder)
    assert any("already installed" in m for m in messages)
    assert (folder / "model.safetensors").stat().st_size > 200e6  # bf16 weights, not the 4-bit GGUF


def test_info(default_engine):
    info = default_engine.info
    assert info.architecture == "llama" and info.has_chat_template
    assert 130e6 < info.n_params < 140e6
    assert info.device == "cpu" and info.dtype in ("bfloat16", "float32")


def test_completion_mode_on_humaneval0(default_engine, humaneval0):
    cands = default_engine.generate(humaneval0["prompt"], SamplingParams(n=6, temperature=0.8, max_new_tokens=48, seed=3, mode="completion"))
    assert len(cands) == 6
    for c in cands:
        assert all(math.isfinite(lp) and lp <= 0 for lp in c.token_logprobs)
        assert not any(stop in c.text for stop in CODEX_STOPS)
        assert c.finish_reason in ("stop", "eos", "length")


def test_instruct_mode_on_humaneval0_gives_programs_that_parse(default_engine, humaneval0):
    prompt = humaneval0["prompt"]
    cands = default_engine.generate(prompt, SamplingParams(n=6, temperature=0.2, max_new_tokens=96, seed=0, mode="instruct"))
    assert default_engine.resolve_mode("auto") == "instruct"
    parsed = 0
    for c in cands:
        try:
            ast.parse(prompt + c.text)
            parsed += 1
        except SyntaxError:
            pass
    assert parsed >= 4, [c.raw_text for c in cands]
    assert any("return" in c.text for c in cands)


def test_cli_model_list_and_info():
    listed = subprocess.run([sys.executable, "-m", "core.cli.main", "model", "list"], capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0 and str(model_store.default_model_dir()) in listed.stdout
    default_line = next(line for line in listed.stdout.splitlines() if line.startswith("default"))
    assert "135M" in default_line and "bf16" in default_line and "MiB" in default_line
    gguf = model_store.shipped_gguf()
    with_gguf = subprocess.run([sys.executable, "-m", "core.cli.main", "model", "list", "--dir", str(gguf.parent)],
                               capture_output=True, text=True, timeout=60)
    assert any(gguf.name in line and "Q4_1" in line and "135M" in line for line in with_gguf.stdout.splitlines())
    info = subprocess.run([sys.executable, "-m", "core.cli.main", "model", "info"], capture_output=True, text=True, timeout=120)
    assert info.returncode == 0, info.stderr
    assert "n_params" in info.stdout and "device" in info.stdout and "memory_bytes" in info.stdout
