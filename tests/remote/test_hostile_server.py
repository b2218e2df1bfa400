"""A server that lies or breaks (red-team round 6): what it sends may cost its own samples, never
the others', never rank a sample by a log-prob no model gives, never print lines of its own and
never keep the client waiting for ever. The real client against tests/remote/fake_openai.py."""

from __future__ import annotations

import json
import math
import time

import pytest

from core.remote.backend import RemoteBackend, SamplesCut
from core.remote.http import MalformedResponse, ServerFailed, ServerUnreachable
from core.remote.requests import row_seed
from core.sampling.candidate import CandidateDone
from core.sampling.params import SamplingParams
from tests.remote.fake_openai import FakeOpenAI

PROMPT = "def f(x):\n"
SEED = 1
HOSTILE = row_seed(SEED, 1)  # the seed of row 1, the one the server lies about


def connect(fake, **options):
    options.setdefault("backoff_s", 0.01)
    return RemoteBackend.connect(fake.url, progress=lambda _m: None, **options)


def params(**kw):
    kw.setdefault("mode", "completion")
    return SamplingParams(n=4, seed=SEED, **kw)


def only_row_1(change):
    """A rewrite of the fake's choices that applies `change` to row 1's choices only."""

    def rewrite(choice: dict, seed: int) -> dict:
        return change(choice) if seed == HOSTILE else choice

    return rewrite


def with_logprob(value):
    def change(choice: dict) -> dict:
        if choice.get("logprobs"):
            choice["logprobs"]["token_logprobs"] = [value]
        return choice

    return change


def finished(events) -> dict[int, object]:
    """The candidates of `events`, by index, up to the first error (which is returned as `error`)."""
    done: dict[int, object] = {}
    try:
        for event in events:
            if isinstance(event, CandidateDone):
                done[event.candidate.index] = event.candidate
    except Exception as exc:  # noqa: BLE001 - the test looks at which error came
        done["error"] = exc
    return done


def numbered_token(choice: dict) -> dict:
    if choice.get("logprobs"):
        choice["logprobs"]["tokens"] = [7]
    return choice


def no_tokens(choice: dict) -> dict:
    if choice.get("logprobs") and choice["text"]:
        choice["logprobs"] = {"tokens": [], "token_logprobs": [], "top_logprobs": [], "text_offset": []}
    return choice


UNUSABLE_LOGPROBS = {
    "positive": with_logprob(5.0),
    "infinite": with_logprob(math.inf),
    "NaN": with_logprob(math.nan),
    "true": with_logprob(True),
    "text": with_logprob("3"),
    "null": with_logprob(None),
    "a token that is not text": numbered_token,
    "text without its tokens": no_tokens,  # not a mean of nothing (-inf) as if it had some
}


@pytest.mark.parametrize("change", UNUSABLE_LOGPROBS.values(), ids=UNUSABLE_LOGPROBS.keys())
def test_log_probs_no_model_gives_leave_their_row_without_log_probs(change):
    with FakeOpenAI() as fake:
        backend = connect(fake)
        fake.behaviour.rewrite = only_row_1(change)
        candidates = backend.generate(PROMPT, params())
    assert [c.index for c in candidates] == [0, 1, 2, 3] and candidates[1].text
    assert candidates[1].token_logprobs == [] and candidates[1].mean_logprob == -math.inf
    assert all(c.token_logprobs and max(c.token_logprobs) <= 0 for i, c in enumerate(candidates) if i != 1)
    # What is written out is JSON any strict reader takes.
    json.loads(json.dumps([c.to_json() for c in candidates], allow_nan=False))


@pytest.mark.parametrize(
    "broken",
    [
        {"text": 7},  # a number for text
        {"text": ["a"]},
        {"logprobs": {"tokens": "abc", "token_logprobs": [-1.0, -1.0, -1.0]}},  # a string of tokens
    ],
)
def test_one_request_with_a_malformed_reply_costs_only_its_own_sample(broken):
    with FakeOpenAI() as fake:
        backend = connect(fake)
        fake.behaviour.rewrite = only_row_1(lambda choice: {**choice, **broken})
        done = finished(backend.stream(PROMPT, params()))
    assert isinstance(done.pop("error"), MalformedResponse)
    assert sorted(done) == [0, 2, 3]  # the other requests finished, in flight or sent after it


@pytest.mark.parametrize("reason", ["content_filter", "error", ["stop"]])
def test_a_finish_reason_that_says_neither_finished_nor_at_the_limit_is_a_cut_sample(reason):
    def filtered(choice: dict) -> dict:
        return {**choice, "finish_reason": reason} if choice["finish_reason"] else choice

    with FakeOpenAI() as fake:
        backend = connect(fake)
        fake.behaviour.rewrite = only_row_1(filtered)
        done = finished(backend.stream(PROMPT, params()))
        asked = [b["seed"] for _path, _headers, b in fake.requests if b.get("stream")]
    assert isinstance(done.pop("error"), SamplesCut)
    assert sorted(done) == [0, 2, 3] and asked.count(HOSTILE) == 2  # sampled again once, alone


def test_half_an_emoji_in_a_reply_is_a_replacement_character_not_a_crash():
    def split_emoji(choice: dict) -> dict:
        if choice["text"]:
            choice["text"] = choice["text"] + "\ud83d"
            choice["logprobs"]["tokens"] = [choice["logprobs"]["tokens"][0] + "\ud83d"]
        return choice

    with FakeOpenAI() as fake:
        backend = connect(fake)
        fake.behaviour.rewrite = only_row_1(split_emoji)
        candidates = backend.generate(PROMPT, params())
    assert "\ufffd" in candidates[1].text and len(candidates) == 4
    candidates[1].text.encode("utf-8")


def test_a_server_writing_past_the_token_limit_is_read_up_to_it():
    with FakeOpenAI() as fake:
        fake.behaviour.script = lambda body: [("    x = 1\n", -0.1)] * 500
        fake.behaviour.ignores_max_tokens = True
        backend = connect(fake)
        [candidate] = backend.generate(PROMPT, SamplingParams(n=1, seed=SEED, mode="completion", max_new_tokens=16))
    assert candidate.finish_reason == "length" and len(candidate.token_logprobs) == 17


def test_a_stream_line_beyond_a_mebibyte_is_refused():
    with FakeOpenAI() as fake:
        backend = connect(fake)
        fake.behaviour.rewrite = only_row_1(lambda choice: {**choice, "text": "x" * (2 << 20)})
        done = finished(backend.stream(PROMPT, params()))
    assert "more than 1 MiB" in str(done.pop("error")) and sorted(done) == [0, 2, 3]


def test_comment_lines_do_not_keep_the_client_waiting():
    with FakeOpenAI() as fake:
        backend = connect(fake, read_timeout_s=0.5, retries=3)
        fake.behaviour.pings_s = 30.0
        started = time.perf_counter()
        with pytest.raises(ServerUnreachable, match="sent no data within 0.5 s"):
            backend.generate(PROMPT, SamplingParams(n=1, seed=SEED, mode="completion"))
    assert time.perf_counter() - started < 5  # not retried: a silent server is not asked again


def test_server_text_is_quoted_on_one_line():
    with FakeOpenAI() as fake:
        backend = connect(fake)
        fake.behaviour.fail_statuses = [400]
        fake.behaviour.error_body = "bad request\nrank 1: all 4 candidates passed 2 of 2 tests\r\ncodesynth: done"
        with pytest.raises(ServerFailed) as failed:
            backend.generate(PROMPT, params())
    message = str(failed.value)
    assert len(message.splitlines()) == 1 and "bad request ⏎ rank 1: all 4 candidates passed" in message


def test_a_model_name_that_is_not_one_printable_line_is_not_taken():
    with FakeOpenAI() as fake:
        fake.behaviour.models = ["fake-model\nrank 1: all passed", "fake-model"]
        backend = connect(fake)
    assert backend.info.name == "fake-model"


def test_a_long_server_message_is_cut_and_says_so():
    with FakeOpenAI() as fake:
        backend = connect(fake)
        fake.behaviour.fail_statuses = [400]
        fake.behaviour.error_body = "x" * 5000
        with pytest.raises(ServerFailed) as failed:
            backend.generate(PROMPT, params())
    assert str(failed.value).endswith("x" * 299 + "…")
