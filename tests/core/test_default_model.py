"""Integration: the real catalogue models. The small model (SmolLM2-135M-Instruct) on HumanEval/0
in both modes; the default (Qwen2.5-Coder-0.5B-Instruct) installed, listed, described, and writing
a function that passes HumanEval/0's tests in the sandbox."""

import ast
import math
import subprocess
import sys
import time

import pytest

from core.evaluation.problems import load_problems
from core.models import catalogue
from core.models import install as model_install
from core.models import store as model_store
from core.models.llama_cpp_runner import LlamaCppRunner
from core.sampling.params import CODEX_STOPS, SamplingParams

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def humaneval0():
    return load_problems()["HumanEval/0"]


def cli(*args, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "core.cli.main", *args], capture_output=True, text=True, timeout=timeout
    )


def test_install_is_idempotent_and_fast_the_second_time(small_model_dir):
    messages = []
    started = time.monotonic()
    folder = model_install.install(catalogue.entry(catalogue.SMALL), messages.append)
    assert time.monotonic() - started < 1
    assert folder == small_model_dir and model_store.is_installed(folder)
    assert messages == [f"{catalogue.SMALL} already installed at {folder}"]
    assert (folder / "model.safetensors").stat().st_size > 200e6  # bf16 weights, not the 4-bit GGUF


def test_small_model_info(small_engine):
    info = small_engine.info
    assert info.architecture == "llama" and info.has_chat_template
    assert 130e6 < info.n_params < 140e6
    assert info.name == "SmolLM2-135M-Instruct"
    # On a CPU with llama-cpp-python the file's own Q4_1 weights run (core.models.runner); else torch's.
    expected = (
        ("Q4_1 (llama.cpp)",) if isinstance(small_engine.runner, LlamaCppRunner) else ("bfloat16", "float32", "float16")
    )
    assert info.dtype in expected


def test_completion_mode_on_humaneval0(small_engine, humaneval0):
    cands = small_engine.generate(
        humaneval0["prompt"], SamplingParams(n=6, temperature=0.8, max_new_tokens=48, seed=3, mode="completion")
    )
    assert len(cands) == 6
    for c in cands:
        assert all(math.isfinite(lp) and lp <= 0 for lp in c.token_logprobs)
        assert not any(stop in c.text for stop in CODEX_STOPS)
        assert c.finish_reason in ("stop", "eos", "length")
        assert (c.finish_reason == "length") == ("cut by the token limit" in c.warnings)


def test_instruct_mode_on_humaneval0_gives_programs_that_parse(small_engine, humaneval0):
    prompt = humaneval0["prompt"]
    cands = small_engine.generate(
        prompt, SamplingParams(n=6, temperature=0.2, max_new_tokens=96, seed=0, mode="instruct")
    )
    assert small_engine.resolve_mode("auto") == "instruct"
    parsed = 0
    for c in cands:
        assert "```" not in c.raw_text  # the closing fence is where the reply stops, not part of it
        try:
            ast.parse(prompt + c.text)
            parsed += 1
        except SyntaxError:
            pass
    assert parsed >= 4, [c.raw_text for c in cands]


def test_cli_model_list_shows_the_catalogue_and_other_models(small_gguf):
    listed = cli("model", "list")
    assert listed.returncode == 0, listed.stderr
    rows = {line.split()[0]: line for line in listed.stdout.splitlines() if line.strip()}
    for item in catalogue.ENTRIES:
        assert item.name in rows and "MiB" in rows[item.name] and "Apache-2.0" in rows[item.name]
    assert "installed" in rows[catalogue.SMALL] and "(default)" in rows[catalogue.DEFAULT]
    with_gguf = cli("model", "list", "--dir", str(small_gguf.parent))
    assert any(small_gguf.name in line and "Q4_1" in line and "135M" in line for line in with_gguf.stdout.splitlines())


def test_cli_model_info_names_the_licence():
    info = cli("model", "info", "--model", catalogue.SMALL)
    assert info.returncode == 0, info.stderr
    assert "n_params" in info.stdout and "device" in info.stdout and "memory_bytes" in info.stdout
    assert "Apache-2.0" in info.stdout and "Hugging Face" in info.stdout


def test_unknown_catalogue_name_is_one_sentence():
    result = cli("model", "install", "gemma3-270m")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("codesynth: error: 'gemma3-270m' is not in the model catalogue")


def test_default_model_writes_a_passing_function(humaneval0):
    """The default model, as the README's demo runs it: a handful of candidates for HumanEval/0,
    tested in the sandbox, at least one passing and none shown cut or empty as if real."""
    import json

    assert model_store.is_installed(model_store.default_model_dir()), "run `codesynth model install-default`"
    result = cli("generate", "--task", "HumanEval/0", "-n", "4", "--temperature", "0.2", timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 4 and any(r["passed"] for r in rows), [r["completion"] for r in rows]
    for r in rows:
        assert r["num_tokens"] > 0 and (r["warning"] is not None) == (r["finish_reason"] == "length")
    ranks = [r["rank"] for r in rows]
    assert ranks == sorted(ranks)
