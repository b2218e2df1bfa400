"""Session documents carry the version of their shape: an older one opens upgraded and stays as it
was stored, a newer one is refused with one sentence and kept, in real SQLite files, in the app's
own store, in `codesynth compare`'s read-only one and through export and import."""

import json
import sqlite3

import pytest

from core.evaluation.sweep import Sweep
from core.storage.session_documents import UnreadableDocument, current_version
from core.storage.session_store import MIGRATIONS, SCHEMA_VERSION, SessionStore

PNG = "iVBORw0KGgo="  # what version 1 kept of each figure: base64 PNG bytes
SAMPLES = [
    {
        "temperature": 0.2,
        "index": 0,
        "completion": "    return 2 * x\n",
        "mean_logprob": -0.1,
        "sum_logprob": -0.4,
        "passed": True,
        "result": "passed",
    },
    {
        "temperature": 0.2,
        "index": 1,
        "completion": "    return x\n",
        "mean_logprob": None,
        "sum_logprob": -0.9,
        "passed": None,
        "result": "",
    },
]
INPUTS = {"prompt": "def double(x):\n", "tests": "", "temperatures": "0.2", "n": 2, "max_new_tokens": 0, "example": ""}
# A sweep as the lab saved it before documents had versions: its whole last snapshot, derived parts too.
OLD_SWEEP = {
    **INPUTS,
    "snapshot": {
        "temperatures": [0.2],
        "n": 2,
        "samples": SAMPLES,
        "table": [{"temperature": 0.2, "sampled": 2, "tested": 1, "passed": 1, "pass_at_k": {"pass@1": 1.0}}],
        "csv": "temperature,index\n0.2,0\n0.2,1\n",
        "progress": {"sampled": 2, "tested": 1, "total": 2},
        "done": False,
        "plots": {"distinct_programs": PNG},
    },
}


def schema_2_file(path):
    """A sessions file exactly as the app before document versions wrote it."""
    db = sqlite3.connect(path)
    for script in MIGRATIONS[:2]:
        db.executescript(script)
    db.execute("PRAGMA user_version=2")
    db.execute(
        "INSERT INTO sessions (id, name, kind, created, updated) VALUES (7, 'Sweep of double', 'sweep', 1.0, 1.0)"
    )
    db.execute("INSERT INTO sessions (id, name, kind, created, updated) VALUES (8, 'Examples', 'examples', 1.0, 1.0)")
    db.execute("INSERT INTO documents VALUES (7, 'sweep', ?)", (json.dumps(OLD_SWEEP),))
    db.execute("INSERT INTO documents VALUES (8, 'examples', ?)", (json.dumps({"header": ["x"]}),))
    db.commit()
    db.close()


def stored(path, session_id):
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT data, version FROM documents WHERE session_id=?", (session_id,)).fetchone()
    finally:
        db.close()


def test_an_old_sweep_opens_with_its_samples_and_is_kept_as_stored_until_saved_again(tmp_path):
    path = tmp_path / "sessions.sqlite"
    schema_2_file(path)
    store = SessionStore(path)
    document = store.document(7, "sweep")
    assert {k: document[k] for k in INPUTS} == INPUTS
    assert "snapshot" not in document and set(document["sweep"]) == {"temperatures", "n", "samples"}
    sweep = Sweep.from_json(document["sweep"])
    assert (sweep.temperatures, sweep.n, sweep.tested) == ((0.2,), 2, 1)
    assert sweep.samples[0].completion == "    return 2 * x\n" and sweep.samples[1].passed is None
    assert store.document(8, "examples") == {"header": ["x"]}  # a kind whose shape never changed
    # Reading changed nothing: the old document and its version are there as they were.
    assert stored(path, 7) == (json.dumps(OLD_SWEEP), 1)
    store.put_document(7, "sweep", document)
    store.close()
    data, version = stored(path, 7)
    assert version == current_version("sweep") == 2 and json.loads(data) == document
    assert PNG not in data  # no figure and no CSV are stored any more: they are derived


def test_a_document_from_a_newer_app_is_refused_in_one_sentence_and_kept(tmp_path):
    path = tmp_path / "sessions.sqlite"
    store = SessionStore(path)
    sid = store.create("Sweep", "sweep")
    future = {"prompt": "def f(x):\n", "something": "new"}
    store.put_document(sid, "sweep", future, version=9)
    with pytest.raises(
        UnreadableDocument, match=r"^This sweep session was saved by a newer version .* kept as it is\.$"
    ):
        store.document(sid, "sweep")
    store.close()
    assert stored(path, sid) == (json.dumps(future), 9)


def test_compare_reads_an_old_file_read_only_and_refuses_a_newer_schema(tmp_path):
    path = tmp_path / "sessions.sqlite"
    schema_2_file(path)
    before = path.read_bytes()
    store = SessionStore(path, read_only=True)
    assert Sweep.from_json(store.document(7, "sweep")["sweep"]).tested == 1
    store.close()
    assert path.read_bytes() == before  # not migrated: it is the user's file
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(sqlite3.DatabaseError, match=f"schema version is {SCHEMA_VERSION + 1}"):
        SessionStore(path, read_only=True)


def test_export_and_import_keep_each_documents_version(tmp_path):
    store = SessionStore(tmp_path / "sessions.sqlite")
    old_export = {  # as the app before document versions exported a sweep
        "format": "codesynth-session",
        "version": 2,
        "session": {
            "name": "Sweep",
            "kind": "sweep",
            "created": 1.0,
            "updated": 1.0,
            "state": "done",
            "prompt": "",
            "tests": "",
            "params": {},
            "model": "",
        },
        "candidates": [],
        "results": {},
        "documents": {"sweep": OLD_SWEEP},
    }
    sid = store.import_json(json.loads(json.dumps(old_export)))
    assert Sweep.from_json(store.document(sid, "sweep")["sweep"]).samples[0].index == 0
    exported = json.loads(json.dumps(store.export_json(sid)))
    assert exported["version"] == SCHEMA_VERSION and exported["document_versions"] == {"sweep": 1}
    again = store.import_json(exported)
    assert store.document(again, "sweep") == store.document(sid, "sweep")
    with pytest.raises(ValueError, match="exported by a newer version"):
        store.import_json({**exported, "version": SCHEMA_VERSION + 1})
    store.close()
