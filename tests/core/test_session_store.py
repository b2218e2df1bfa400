"""Sessions in SQLite: autosave, migrations, corruption, export/import, and kill -9 recovery."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from core.sampling.candidate import Candidate
from core.storage.session_store import MIGRATIONS, SCHEMA_VERSION, SessionStore, StoreUnavailable


def cand(i, text="    return 1\n"):
    return Candidate(
        index=i,
        text=text,
        raw_text=text,
        token_ids=[1, 2],
        token_logprobs=[-0.1, -0.3],
        finish_reason="stop",
        tokens=["a", "b"],
        top_logprobs=[[("a", -0.1)], [("b", -0.3)]],
    )


def test_round_trip_search_rename_delete(tmp_path):
    store = SessionStore(tmp_path / "s.db")
    sid = store.create("first", prompt="def f():\n", tests="assert f() == 1", params={"n": 4})
    other = store.create("second", prompt="def g():\n")
    store.add_candidate(sid, cand(0))
    store.add_result(sid, 0, True, {"result": "passed", "cases": 1})
    store.update(sid, name="renamed")
    assert store.get(sid).name == "renamed" and store.get(sid).params == {"n": 4}
    assert [s.id for s in store.list("def f")] == [sid]
    assert store.candidates(sid)[0].token_logprobs == [-0.1, -0.3]
    assert store.candidates(sid)[0].top_logprobs == [[("a", -0.1)], [("b", -0.3)]]
    assert store.results(sid) == {0: {"result": "passed", "cases": 1, "passed": True}}
    store.delete(other)
    assert [s.id for s in store.list()] == [sid]
    with pytest.raises(KeyError):
        store.get(other)


def test_export_import_and_samples(tmp_path):
    store = SessionStore(tmp_path / "s.db")
    sid = store.create("x", prompt="def f():\n")
    store.add_candidate(sid, cand(0))
    store.add_candidate(sid, cand(1, "    return 2\n"))
    store.add_result(sid, 1, False, {"status": "fail", "result": "failed: "})
    store.put_document(sid, "examples", [{"in": 1, "out": 2}])
    exported = json.loads(json.dumps(store.export_json(sid)))
    copy = SessionStore(tmp_path / "other.db").import_json(exported)
    other = SessionStore(tmp_path / "other.db")
    assert [c.text for c in other.candidates(copy)] == ["    return 1\n", "    return 2\n"]
    assert other.document(copy, "examples") == [{"in": 1, "out": 2}]
    samples = store.export_samples(sid, "task/1")
    assert samples[0]["task_id"] == "task/1" and samples[0]["completion"] == "    return 1\n"
    assert samples[1]["passed"] is False and "passed" not in samples[0]


def test_older_database_is_migrated_without_losing_data(tmp_path):
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])
    db.execute("INSERT INTO sessions (name, created, updated, prompt) VALUES ('old', 1, 1, 'def old():\n')")
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()
    store = SessionStore(path)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    [old] = store.list()
    assert old.prompt == "def old():\n"
    store.add_result(old.id, 0, True, {})  # a table added by migration 2
    assert store.notice is None


def test_corrupt_database_is_moved_aside_with_a_message(tmp_path):
    path = tmp_path / "s.db"
    path.write_bytes(b"this is not sqlite" * 100)
    store = SessionStore(path)
    assert store.notice and "moved to" in store.notice
    assert list(tmp_path.glob("s.db.corrupt-*"))
    assert store.list() == []
    store.create("fresh")


def test_newer_schema_is_refused_not_destroyed(tmp_path):
    path = tmp_path / "s.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    db.commit()
    db.close()
    before = path.read_bytes()
    with pytest.raises(StoreUnavailable, match=f"newer version of CodeSynth Studio \\(schema {SCHEMA_VERSION + 5},"):
        SessionStore(path)
    assert path.read_bytes() == before and not list(tmp_path.glob("s.db.corrupt-*"))


WRITER = textwrap.dedent("""
    import sys, time
    from core.sampling.engine import Engine
    from core.sampling.candidate import CandidateDone
    from core.sampling.params import SamplingParams
    from core.storage.session_store import SessionStore
    store = SessionStore(sys.argv[1])
    engine = Engine.load(sys.argv[2], progress=lambda m: None)
    sid = store.create("run", prompt="def f(x):\\n", params={"n": 64})
    store.update(sid, state="running")
    params = SamplingParams(n=64, temperature=1.0, max_new_tokens=1000, stop=(), mode="completion")
    for event in engine.stream("def f(x):\\n", params):
        if isinstance(event, CandidateDone):
            store.add_candidate(sid, event.candidate)
            print(event.candidate.index, flush=True)
""")


@pytest.mark.slow
def test_kill_9_mid_generation_keeps_every_completed_candidate(tmp_path, tiny_model_dir):
    db = tmp_path / "s.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), str(tiny_model_dir)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
    )
    # Stop-free sampling of 1000 tokens: rows end at random EOS; kill once a few have completed.
    completed = []
    deadline = time.monotonic() + 120
    while len(completed) < 3 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        completed.append(int(line))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len(completed) >= 3, "the writer finished no candidate before the deadline"
    store = SessionStore(db)
    [interrupted] = store.interrupted()
    saved = {c.index for c in store.candidates(interrupted.id)}
    assert set(completed) <= saved
    assert len(saved) < 64, "the run was meant to be killed mid-generation"


def test_created_in_a_state_and_a_new_document_counts_as_activity(tmp_path):
    store = SessionStore(tmp_path / "s.db")
    sid = store.create("sweep", kind="sweep", state="running")
    assert [s.id for s in store.interrupted()] == [sid]
    before = store.get(sid).updated
    time.sleep(0.01)
    store.put_document(sid, "sweep", {"samples": []})
    assert store.get(sid).updated > before  # the History list sorts a live job to the top
