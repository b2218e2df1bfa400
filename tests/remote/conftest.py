"""Real-server tests need llama-cpp-python. It is installed by installer/bootstrap.sh; where it is
missing this builds it (once: pip caches the wheel). They skip, with the build's error as the
reason, only where it cannot be built; CODESYNTH_REQUIRE_LLAMA_SERVER=1 turns that skip into a
failure, for CI."""

from __future__ import annotations

import os

import pytest

from tests.remote.llama_server import LlamaServer, install_llama_server

REQUIRE = "CODESYNTH_REQUIRE_LLAMA_SERVER"


@pytest.fixture(scope="session")
def llama_server_available():
    reason = install_llama_server(log=lambda msg: print(msg, flush=True))
    if reason is not None:
        if os.environ.get(REQUIRE) == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def llama_server(llama_server_available, small_gguf, tmp_path_factory):
    """One server for the session's tests (those that do not kill it), serving the small model."""
    with LlamaServer(small_gguf, tmp_path_factory.mktemp("llama") / "server.log") as server:
        yield server


@pytest.fixture
def start_llama_server(llama_server_available, small_gguf, tmp_path):
    """A factory of private servers (extra arguments, killed by the test); stopped at the end."""
    started = []

    def start(*extra: str, queue_requests: bool = True) -> LlamaServer:
        server = LlamaServer(
            small_gguf, tmp_path / f"server{len(started)}.log", extra=extra, queue_requests=queue_requests
        )
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()
