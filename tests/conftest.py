import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.tiny_model import build_tiny_model  # noqa: E402


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """A tiny random GPT-2 folder (no chat template: completion mode)."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-gpt2"))


@pytest.fixture(scope="session")
def tiny_chat_model_dir(tmp_path_factory):
    """The same tiny GPT-2 with a chat template, for instruct mode."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-gpt2-chat"), chat=True)


@pytest.fixture(scope="session")
def tiny_llama_dir(tmp_path_factory):
    """A tiny random Llama (grouped-query attention, tied head): runs on core.fused_llama."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-llama"), architecture="llama")


@pytest.fixture(scope="session")
def tiny_engine(tiny_model_dir):
    import torch

    from core.engine import Engine

    # float32, so log-probs can be compared with an independent forward pass to 1e-3.
    return Engine.load(str(tiny_model_dir), progress=lambda _msg: None, dtype=torch.float32)


@pytest.fixture(scope="session")
def default_engine():
    """The real default model (installed by installer/bootstrap.sh)."""
    from core import model_store
    from core.engine import Engine

    if not model_store.is_installed(model_store.default_model_dir()):
        pytest.fail("default model not installed: run `codesynth model install-default`")
    return Engine.load("default", progress=lambda _msg: None)
