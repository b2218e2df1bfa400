"""API keys: where they come from, and that they never reach session files, exports, logs or errors."""

from __future__ import annotations

import json
import logging

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import NoKeyringError

from core.evaluation.evaluate import sample_rows
from core.evaluation.run_dir import EvalConfig
from core.remote import secrets
from core.remote.backend import RemoteBackend
from core.remote.http import AuthFailed
from core.sampling.params import SamplingParams
from core.storage.session_store import SessionStore
from tests.remote.fake_openai import Behaviour, FakeOpenAI

KEY = "sk-test-7f3a9c1e5b"


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self):
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.items.get((service, username))

    def set_password(self, service, username, password):
        self.items[(service, username)] = password

    def delete_password(self, service, username):
        self.items.pop((service, username), None)


class NoKeyring(MemoryKeyring):
    def get_password(self, service, username):
        raise NoKeyringError("no backend")

    def set_password(self, service, username, password):
        raise NoKeyringError("no backend")


@pytest.fixture
def memory_keyring(monkeypatch):
    monkeypatch.delenv(secrets.ENV_VAR, raising=False)
    previous = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    yield ring
    keyring.set_keyring(previous)


def test_environment_wins_over_keyring(memory_keyring, monkeypatch):
    secrets.store_api_key("https://gpu.example:8000/v1", "from-keyring")
    assert memory_keyring.items == {("codesynth-studio", "https://gpu.example:8000"): "from-keyring"}
    # The same server under another path shares the key; another port does not.
    assert secrets.api_key("https://gpu.example:8000/other") == "from-keyring"
    assert secrets.api_key("https://gpu.example:9000/v1") is None
    monkeypatch.setenv(secrets.ENV_VAR, " from-env ")
    assert secrets.api_key("https://gpu.example:8000/v1") == "from-env"


def test_machine_without_keyring(monkeypatch):
    monkeypatch.delenv(secrets.ENV_VAR, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    try:
        assert secrets.api_key("http://h:1/v1") is None
        with pytest.raises(secrets.KeyringUnavailable, match=f"set {secrets.ENV_VAR} instead"):
            secrets.store_api_key("http://h:1/v1", "k")
    finally:
        keyring.set_keyring(previous)


def test_key_from_keyring_is_sent(memory_keyring):
    with FakeOpenAI(Behaviour(api_key=KEY)) as fake:
        secrets.store_api_key(fake.url, KEY)
        backend = RemoteBackend.connect(fake.url, progress=lambda _m: None)
        assert backend.generate("def f():\n", SamplingParams(mode="completion"))[0].raw_text
    assert {h.get("Authorization") for _p, h, _b in fake.requests} == {f"Bearer {KEY}"}


def test_key_never_written_to_sessions_exports_logs_or_errors(tmp_path, monkeypatch, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(secrets.ENV_VAR, KEY)
    messages: list[str] = []
    with FakeOpenAI(Behaviour(api_key=KEY)) as fake:
        backend = RemoteBackend.connect(fake.url, progress=messages.append)
        params = SamplingParams(n=2, mode="completion")
        cands = backend.generate('def f():\n    """Return 1."""\n', params)

        store = SessionStore(tmp_path / "sessions.db")
        sid = store.create("remote", prompt="def f():\n", params={"n": 2}, model=backend.info.path)
        for cand in cands:
            store.add_candidate(sid, cand)
        export = json.dumps(store.export_json(sid))
        store.close()

        config = EvalConfig(
            problems="humaneval",
            problems_sha256="x",
            task_ids=("T/0",),
            n=2,
            temperatures=(0.8,),
            mode="completion",
            model=backend.info.path,
            back_translation=False,
        )
        problem = {"task_id": "T/0", "prompt": "def f():\n", "entry_point": "f"}
        rows = json.dumps(sample_rows(backend, problem, 0.8, config)) + json.dumps(config.to_json())

        # A gateway that echoes the refused header back in its error body.
        monkeypatch.setenv(secrets.ENV_VAR, KEY + "-old")
        with pytest.raises(AuthFailed) as err:
            RemoteBackend.connect(fake.url, progress=messages.append)

    files = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    out = capsys.readouterr()
    texts = {
        "session database": files.decode("latin-1"),
        "session export": export,
        "eval samples and config": rows,
        "candidates": json.dumps([c.to_json() for c in cands]),
        "backend and info": repr(backend.__dict__)
        + repr(backend.info)
        + backend.info.describe()
        + repr(backend.transport.endpoint),
        "progress and logs": "\n".join(messages) + caplog.text + out.out + out.err,
        "error message": str(err.value) + repr(err.value),
    }
    assert cands and backend.info.path == fake.url
    for where, text in texts.items():
        assert KEY not in text, f"the API key leaked into the {where}"
