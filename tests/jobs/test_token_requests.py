"""Issue 20's engine-process parts, Qt-free, on the tiny model: the next-token logits reply the
distribution plot caches, and a branch's prefix and parameters."""

import multiprocessing

import pytest
import torch

from core.host.protocol import AskNextTokenLogits, NextTokenLogits
from core.host.serve import _next_token_logits
from core.sampling.interface import Capabilities
from core.sampling.params import SamplingParams
from desktop_app.branch import branch_at, branch_params

PROMPT = "def add(a, b):\n    return"


def _reply(engine, written_ids, show=5):
    ours, theirs = multiprocessing.Pipe()  # the reply crosses a real pipe, as in the app
    key = ("run", 0, len(written_ids))
    _next_token_logits(theirs.send, engine, AskNextTokenLogits(key, PROMPT, tuple(written_ids), "completion", show))
    reply = ours.recv()
    assert isinstance(reply, NextTokenLogits) and reply.key == key
    return reply


def test_the_logits_reply_is_the_engines_with_the_likeliest_tokens_decoded(tiny_engine):
    reply = _reply(tiny_engine, [11, 12])
    logits = torch.frombuffer(bytearray(reply.logits), dtype=torch.float32)
    expected = tiny_engine.next_token_logits(PROMPT, [11, 12], "completion")
    assert torch.allclose(logits, expected)
    likeliest = torch.argsort(expected, descending=True, stable=True)[:5].tolist()
    assert reply.pieces == {t: tiny_engine.tokenizer.decode([t]) for t in likeliest}


def test_a_backend_without_logits_says_why_in_one_sentence():
    class Server:  # declares what core.remote.backend.RemoteBackend declares: no whole distribution
        capabilities = Capabilities(scoring=True, token_logprobs=True, next_token_logits=False, forced_prefix=False)

    reply = _reply(Server(), [])
    assert reply.logits is None and "server" in reply.problem


def test_a_branch_writes_the_parents_text_then_the_alternative(tiny_engine):
    run = SamplingParams(n=3, temperature=0.8, max_new_tokens=6, seed=2, mode="completion", stop=("\n\n\n\n",))
    parent = tiny_engine.generate(PROMPT, run)[0]
    alternative = next(piece for piece, _lp in parent.top_logprobs[2] if piece != parent.tokens[2])
    branch = branch_at(parent, 2, alternative)
    params = branch_params(run, branch)
    assert params.n == 1 and params.seed == run.seed and params.temperature == run.temperature
    # The parent's text after the replaced token: where the engine looks for guesses first.
    assert params.draft_text == "".join(parent.tokens[3:]) and params.prefix + params.draft_text != parent.raw_text
    child = tiny_engine.generate(PROMPT, params)[0]
    assert child.raw_text.startswith("".join(parent.tokens[:2]) + alternative)
    assert branch.note() == f"branch of #{parent.index} at token 2"
    with pytest.raises(ValueError, match="no token"):
        branch_at(parent, len(parent.tokens), alternative)
