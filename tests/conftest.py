import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.tiny_model import build_tiny_model


def pytest_collection_modifyitems(items):
    """Tests on a real model load it first (seconds): they are `slow` as well, so the fast lane
    (`-m "not slow"`) runs on the tiny random models only."""
    for item in items:
        if item.get_closest_marker("integration") is not None:
            item.add_marker(pytest.mark.slow)


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
    """A tiny random Llama (grouped-query attention, tied head): runs on core.models.fused_llama."""
    return build_tiny_model(tmp_path_factory.mktemp("tiny-llama"), architecture="llama")


@pytest.fixture(scope="session")
def tiny_engine(tiny_model_dir):
    import torch

    from core.sampling.engine import Engine

    # float32, so log-probs can be compared with an independent forward pass to 1e-3.
    return Engine.load(str(tiny_model_dir), progress=lambda _msg: None, dtype=torch.float32)


def _installed_small_model():
    from core.models import catalogue
    from core.models import store as model_store

    folder = model_store.model_dir(catalogue.SMALL)
    if not model_store.is_installed(folder):
        pytest.fail(f"the test model is not installed: run `codesynth model install {catalogue.SMALL}`")
    return folder


@pytest.fixture(scope="session")
def small_model_dir():
    """The real SmolLM2-135M-Instruct folder (installed by installer/bootstrap.sh): the fast real
    model of the integration tests."""
    return _installed_small_model()


@pytest.fixture(scope="session")
def small_gguf(small_model_dir):
    """The verified GGUF the small model was converted from."""
    from core.models import catalogue
    from core.models import install as model_install

    gguf = model_install.verified_gguf(catalogue.entry(catalogue.SMALL))
    if gguf is None:
        pytest.fail(f"the GGUF of {catalogue.SMALL} is missing or damaged: install it again")
    return gguf


@pytest.fixture(scope="session")
def small_engine(small_model_dir):
    from core.sampling.engine import Engine

    return Engine.load(str(small_model_dir), progress=lambda _msg: None)
