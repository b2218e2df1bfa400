"""`open_backend` picks the implementation; both satisfy the one interface."""

from __future__ import annotations

import pytest

from core.models.spec import is_server_url
from core.remote.backend import RemoteBackend
from core.remote.http import RemoteError
from core.sampling.engine import Engine
from core.sampling.open_backend import Backend, Capabilities, open_backend
from core.sampling.params import InvalidParams, SamplingParams
from tests.remote.fake_openai import FakeOpenAI


def test_server_urls():
    assert is_server_url("http://127.0.0.1:8000/v1") and is_server_url(" HTTPS://gpu/v1")
    assert is_server_url("ftp://host")
    assert not is_server_url("default") and not is_server_url("/models/x.gguf")


def test_url_opens_the_remote_client():
    messages = []
    with FakeOpenAI() as fake:
        backend = open_backend(fake.url, "fake-model", progress=messages.append, max_in_flight=2)
        assert isinstance(backend, RemoteBackend) and isinstance(backend, Backend)
        assert backend.max_in_flight == 2 and backend.info.name == "fake-model"
        assert messages[-1] == f"connected: {backend.info.describe()}"
        assert backend.generate("def f():\n", SamplingParams(mode="completion"))[0].token_logprobs
        # What a server cannot do is declared, and refused with the reason where it is asked anyway.
        assert backend.capabilities == Capabilities(
            scoring=True, token_logprobs=True, next_token_logits=False, forced_prefix=False
        )
        with pytest.raises(NotImplementedError, match="only its top few log-probs"):
            backend.next_token_logits("def f():\n", [])


def test_path_opens_the_local_engine(tiny_model_dir):
    backend = open_backend(str(tiny_model_dir), progress=lambda _m: None)
    assert isinstance(backend, Engine) and isinstance(backend, Backend)
    assert backend.capabilities == Capabilities(
        scoring=True, token_logprobs=True, next_token_logits=True, forced_prefix=True
    )
    with pytest.raises(InvalidParams, match="applies only to a server URL"):
        open_backend(str(tiny_model_dir), "some-model", progress=lambda _m: None)


@pytest.mark.parametrize(
    "url, message",
    [
        ("ftp://host/v1", "not a server URL"),
        ("http:///v1", "not a server URL"),
        ("http://user:secret@host:1/v1", "not in the URL"),
    ],
)
def test_bad_urls(url, message):
    with pytest.raises(RemoteError, match=message):
        open_backend(url)


def test_a_server_draws_some_rows_as_one_sample_requests_draw_them():
    with FakeOpenAI() as fake:
        backend = open_backend(fake.url, "fake-model", progress=lambda _m: None)
        backend.samples_per_request = 1
        params = SamplingParams(n=4, mode="completion", seed=3)
        whole = {c.index: c.text for c in backend.generate("def f():\n", params)}
        some = backend.generate("def f():\n", SamplingParams(n=4, mode="completion", seed=3, rows=(3, 0)))
        assert {c.index: c.text for c in some} == {3: whole[3], 0: whole[0]} and len(set(whole.values())) == 4
        greedy = backend.generate("def f():\n", SamplingParams(n=4, temperature=0, mode="completion", rows=(2,)))
        assert [c.index for c in greedy] == [2]
