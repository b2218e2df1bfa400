"""Importing a session file the user gives (red-team round 6, finding 11): any shape that is not a
whole export is refused with one sentence (BadSessionExport, a ValueError, so the app's handler
shows it) and nothing is written; a real export of a tested run still imports whole."""

import json

import pytest

from core.remote.chunks import UNKNOWN_TOKEN_ID
from core.sampling.candidate import Candidate
from core.storage.session_export import BadSessionExport, read_export
from core.storage.session_store import SessionStore
from core.user_error import MissingFile, UserError
from sandbox.results import RunResult, TestCaseResult


@pytest.fixture
def store(tmp_path):
    store = SessionStore(tmp_path / "sessions.sqlite")
    yield store
    store.close()


@pytest.fixture
def export(store):
    """A real export of a tested Workbench run, as the app writes it."""
    sid = store.create("adder", prompt="def add(a, b):\n", params={"n": 2, "temperature": 0.8, "seed": 3})
    store.add_candidate(sid, Candidate(0, "    return a + b\n", "    return a + b\n", [5], [-0.1], "stop", 0.5, ["x"]))
    failed = RunResult("fail", [TestCaseResult(0, "assert add(1, 2) == 3", 2, "fail", "AssertionError")])
    store.add_result(sid, 0, failed.passed, failed.to_json())
    store.put_document(sid, "examples", {"header": ["a", "expected"], "rows": [["1", "2"]]})
    exported = json.loads(json.dumps(store.export_json(sid)))
    store.delete(sid)
    return exported


def test_a_real_export_imports_whole(store, export):
    sid = store.import_json(export)
    [cand] = store.candidates(sid)
    assert (cand.text, cand.token_logprobs, store.get(sid).params["seed"]) == ("    return a + b\n", [-0.1], 3)
    assert RunResult.from_json(store.results(sid)[0]).cases[0].message == "AssertionError"
    assert store.document(sid, "examples") == {"header": ["a", "expected"], "rows": [["1", "2"]]}


def test_a_remote_run_s_export_imports_with_its_unknown_token_ids(store, export):
    """A server's tokens have no ids (core.remote.chunks.UNKNOWN_TOKEN_ID)."""
    sid = store.import_json(with_candidate(export, token_ids=[UNKNOWN_TOKEN_ID]))
    assert store.candidates(sid)[0].token_ids == [UNKNOWN_TOKEN_ID]


def deep(depth):
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


def with_session(export, **fields):
    return {**export, "session": {**export["session"], **fields}}


def with_candidate(export, **fields):
    return {**export, "candidates": [{**export["candidates"][0], **fields}]}


def with_result(export, **fields):
    return {**export, "results": {"0": {**export["results"]["0"], **fields}}}


# Each: what is wrong, and the words the sentence must hold.
SHAPES = {
    "a JSON list": (lambda e: [], "not a CodeSynth session export"),
    "documents as a list": (lambda e: {**e, "documents": [["examples", {}]]}, 'its "documents" is not an object'),
    "session as a list": (lambda e: {**e, "session": []}, 'its "session" is not an object'),
    "no candidates": (lambda e: {k: v for k, v in e.items() if k != "candidates"}, 'it has no "candidates"'),
    "candidates as an object": (lambda e: {**e, "candidates": {"a": "b"}}, 'its "candidates" is not a list'),
    "a candidate that is text": (lambda e: {**e, "candidates": ["x"]}, "its candidate 1 is not an object"),
    "log-probs as texts": (
        lambda e: with_candidate(e, token_logprobs=["a"]),
        'in its candidate 1, "token_logprobs" is not a list of log-probs',
    ),
    "a log-prob no model gives": (lambda e: with_candidate(e, token_logprobs=[7.0]), '"token_logprobs" is not a list'),
    "a NaN log-prob": (lambda e: with_candidate(e, token_logprobs=[float("nan")]), '"token_logprobs" is not a list'),
    "an index SQLite cannot hold": (lambda e: with_candidate(e, index=2**70), '"index" is not a whole number'),
    "a raw text of null": (lambda e: with_candidate(e, raw_text=None), '"raw_text" is not text'),
    "alternatives not in pairs": (lambda e: with_candidate(e, top_logprobs=[[["a"]]]), '"top_logprobs"'),
    "a result key that is no index": (
        lambda e: {**e, "results": {"first": e["results"]["0"]}},
        "'first' is not a sample index",
    ),
    "a result key of 5,000 digits": (
        lambda e: {**e, "results": {"9" * 5000: {}}},
        "'99999999999999999999' is not a sample index",
    ),
    "a verdict that is text": (lambda e: with_result(e, passed="yes"), '"passed" is not true or false'),
    "a result without its status": (
        lambda e: {**e, "results": {"0": {"passed": True}}},
        'in its result for sample 0, "status" is missing',
    ),
    "a test case with a field of its own": (
        lambda e: with_result(e, cases=[{"index": 0, "name": "t", "line": 1, "status": "pass", "extra": 1}]),
        '"cases" is not a list of test cases',
    ),
    "a name that is not valid text": (
        lambda e: with_session(e, name="\ud800"),
        'in its session, "name" is not valid text',
    ),
    "parameters as a list": (lambda e: with_session(e, params=[]), '"params" is not an object'),
    "a sample count no number field holds": (lambda e: with_session(e, params={"n": 2**40}), '"n"'),
    "a document version of 0": (
        lambda e: {**e, "document_versions": {"examples": 0}},
        '"examples" is not a whole number from 1',
    ),
    "a document kind that is not valid text": (lambda e: {**e, "documents": {"\udc80": {}}}, "a kind that is not"),
    "a document nested 2,000 deep": (lambda e: {**e, "documents": {"examples": deep(2000)}}, "more than 64 deep"),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_a_wrong_shape_is_refused_in_one_sentence_and_writes_nothing(store, export, shape):
    change, words = SHAPES[shape]
    with pytest.raises(BadSessionExport) as refused:
        store.import_json(change(export))
    assert isinstance(refused.value, ValueError) and words in str(refused.value) and "\n" not in str(refused.value)
    assert store.list() == []


@pytest.mark.parametrize(
    "name, text, words",
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000, "maximum recursion depth"),
        ("big.json", '{"format": "codesynth-session", "version": ' + "9" * 5000 + "}", "integer string conversion"),
        ("latin1.json", b'{"name": "Jos\xe9"}', "can't decode"),
        ("torn.json", '{"format": "codesynth-', "Unterminated string"),
    ],
)
def test_a_file_that_is_not_json_this_app_reads_is_refused(tmp_path, name, text, words):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(BadSessionExport, match=f"^it is not a JSON file this app reads .*{words}"):
        read_export(path)


def test_a_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(MissingFile) as missing:
        read_export(tmp_path / "gone.json")
    assert isinstance(missing.value, UserError)
