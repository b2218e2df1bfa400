"""core.sampling.candidate_assembly: one set of rules turns a token stream into live text and Candidates,
for the local engine (a reply primed with the prompt) and a server (a whole chat reply) alike."""

from __future__ import annotations

import pytest

from core.modes import instruct
from core.remote.chunks import UNKNOWN_TOKEN_ID, ServerSpelling
from core.sampling.candidate import CandidateDone, TokenDelta
from core.sampling.candidate_assembly import Assembly, Written
from core.sampling.params import CODEX_STOPS

PROMPT = 'def add(a, b):\n    """Sum of a and b."""\n'


def assembly(mode: str = "completion", primed: bool = False, copies: int = 1, stop=CODEX_STOPS) -> Assembly[str]:
    return Assembly(PROMPT, mode, stop, ServerSpelling(), [0], primed=primed, copies=copies)


def feed(asm: Assembly[str], pieces: list[str], lengths: list[int] | None = None, finish: str = "eos") -> list:
    """Write `pieces` one token each (log-prob -0.1 * position), as a source streams them, and end
    the row with `finish` where no stop ended it first. `lengths`: the text length after each token,
    where it is not the pieces' running length (a server reporting tokens of a text it stripped)."""
    events = []
    for i, piece in enumerate(pieces):
        row = asm.rows[0]
        end = lengths[i] if lengths else row.written_length + len(piece)
        alternatives = [(piece, -0.1 * (i + 1)), ("x", -9.0)]
        events += asm.write(0, row.text + piece, [Written(piece, -0.1 * (i + 1), alternatives, end)])
        if row.finish is not None:
            return events + list(asm.finish(0, "stop"))
        events += asm.flush(0)
    return events + list(asm.finish(0, finish))


def candidates(events: list) -> list:
    return [e.candidate for e in events if isinstance(e, CandidateDone)]


def live_text(events: list, index: int = 0) -> str:
    text = ""
    for event in events:
        if isinstance(event, TokenDelta) and event.index == index:
            text = "" if event.reset else text
            text += event.text
    return text


def test_a_codex_stop_sequence_ends_the_candidate_without_its_tokens():
    # "\ndef" arrives split over two tokens, after the body's own newline.
    events = feed(assembly(), ["    return", " a + b", "\n", "\nde", "f g():"])
    [cand] = candidates(events)
    assert cand.raw_text == cand.text == "    return a + b\n"
    assert cand.tokens == ["    return", " a + b", "\n"] and cand.token_logprobs == pytest.approx([-0.1, -0.2, -0.3])
    assert cand.token_ids == [UNKNOWN_TOKEN_ID] * 3
    assert cand.top_logprobs[0] == [("    return", -0.1), ("x", -9.0)]
    assert cand.finish_reason == "stop" and cand.degenerate is None


def test_the_stop_that_starts_first_wins():
    events = feed(assembly(stop=("\nif", "if x")), ["    return 1", "\nif x", ": pass"])
    [cand] = candidates(events)
    assert cand.raw_text == "    return 1" and cand.finish_reason == "stop"


def test_without_a_stop_every_token_counts_even_one_without_text():
    [cand] = candidates(feed(assembly(), ["    return a", " + b\n", ""], finish="length"))
    assert cand.tokens == ["    return a", " + b\n", ""] and cand.finish_reason == "length"
    assert cand.warnings == ["cut by the token limit"]


def test_tokens_of_a_stop_string_the_server_stripped_are_dropped():
    # The server sent "    return 1\n" but reported the tokens of "\ndef" after it as well.
    asm = assembly()
    row = asm.rows[0]
    pieces = [Written("    return 1", -0.5, [], 12), Written("\n", -0.2, [], 13), Written("def", -0.1, [], 16)]
    list(asm.write(0, "    return 1", pieces))
    [cand] = candidates(list(asm.finish(0, "stop")))
    assert row.cut is None and cand.raw_text == "    return 1" and cand.tokens == ["    return 1"]


def test_a_row_stopped_at_once_keeps_no_token_and_is_not_an_attempt():
    [cand] = candidates(feed(assembly(), ["\ndef", " g():"]))
    assert (cand.raw_text, cand.tokens, cand.finish_reason) == ("", [], "stop")
    assert cand.mean_logprob == float("-inf") and cand.degenerate


def test_placeholders_are_flagged_as_not_attempts():
    [cand] = candidates(feed(assembly(), ["    pass", "\n"]))
    assert cand.degenerate and any("not an attempt" in w for w in cand.warnings)


def test_a_server_reply_and_a_primed_reply_give_the_same_candidate():
    """The engine primes the reply with the prompt, so the model writes only the body; a server's
    model writes prose and the whole function. The body's candidate is the same, and neither keeps
    the closing fence or the demo line after the code."""
    body = ["    return", " a + b", "\n"]
    tail = ["\n", "print(add(1, 2))\n", "```", "\nDone."]
    server = feed(assembly("instruct"), ["Sure:\n", "```python\n", "def add(a, b):\n", *body, *tail])
    primed = feed(assembly("instruct", primed=True), [*body, *tail])
    [s], [p] = candidates(server), candidates(primed)
    assert p.raw_text == "    return a + b\n\n" and p.tokens == [*body, "\n"]
    assert s.raw_text == "def add(a, b):\n    return a + b\n\n" and s.tokens == ["def add(a, b):\n", *body, "\n"]
    assert s.text == p.text == instruct.completion_from_body(PROMPT, "    return a + b\n") == "    return a + b\n"
    assert s.finish_reason == p.finish_reason == "stop" and s.degenerate is None is p.degenerate
    # The server's live text restarted at the code once its fence line was complete.
    assert live_text(server) == s.raw_text and live_text(primed) == p.raw_text


def test_a_reply_that_closes_its_block_at_once_gives_an_empty_completion():
    [cand] = candidates(feed(assembly("instruct"), ["```python\n", "```", "\n"]))
    assert (cand.raw_text, cand.text, cand.tokens) == ("", "", []) and cand.degenerate


def test_text_without_log_probs_gives_a_candidate_without_tokens():
    asm = assembly()
    list(asm.write(0, "    return 1\n", None))
    [cand] = candidates(list(asm.finish(0, "eos")))
    assert cand.raw_text == "    return 1\n" and cand.tokens == cand.token_logprobs == cand.top_logprobs == []


def test_half_a_character_is_held_back_until_it_completes():
    asm = assembly()
    events = list(asm.write(0, "    s = '\ufffd", [Written("    s = '\xe2", -1.0, [], 10)])) + list(asm.flush(0))
    assert live_text(events) == "    s = '"
    # The engine decodes the row's tokens again: the half character becomes a whole one.
    events += asm.write(0, "    s = 'é'\n", [Written("\xa9'\n", -0.1, [], 12)])
    events += asm.flush(0)
    assert live_text(events) == "    s = 'é'\n"


def test_a_greedy_row_stands_for_each_copy_and_a_restart_resets_them():
    asm = assembly(copies=3)
    events = feed(asm, ["    return 1", "\n"], finish="eos")
    assert sorted(c.index for c in candidates(events)) == [0, 1, 2]
    assert {live_text(events, i) for i in range(3)} == {"    return 1\n"}

    asm = assembly(copies=2)
    list(asm.write(0, "    return", [Written("    return", -0.5, [], 10)]))
    resets = list(asm.restart(0))
    assert resets == [TokenDelta(0, "", reset=True), TokenDelta(1, "", reset=True)]
    assert asm.rows[0].text == "" and asm.rows[0].tokens == []


def test_each_token_holds_its_share_of_the_text_even_where_its_own_text_differs():
    """A server's token texts may spell a character split over tokens as U+FFFD and may fall short
    of the text it sent; the candidate's tokens still join into its text, each holding the text
    it reached."""
    asm = assembly()
    list(asm.write(0, "    return 'caf", [Written("    return 'caf", -0.1, [], 15)]))
    list(asm.write(0, "    return 'café'", [Written("\ufffd", -0.2, [], 16), Written("", -0.3, [], 16)]))
    [cand] = candidates(list(asm.finish(0, "eos")))
    assert cand.tokens == ["    return 'caf", "é", "'"] and "".join(cand.tokens) == cand.raw_text
    assert cand.token_logprobs == pytest.approx([-0.1, -0.2, -0.3])


@pytest.mark.parametrize(
    "body",
    [
        "    return a + b " + "-" * 6000 + "0\n",  # MemoryError in Python's parser
        "    return " + "lambda: " * 1500 + "0\n",  # parses; overflows the symbol table
    ],
)
@pytest.mark.parametrize("mode", ["completion", "instruct"])
def test_text_that_overflows_pythons_parser_is_a_candidate_not_a_crash(mode, body):
    """Red-team round 8: a model's run of minus signs made the parser raise MemoryError while the
    row finished, and `generate` lost every candidate of the run."""
    pieces = ["```python\n", "def add(a, b):\n", body, "```"] if mode == "instruct" else [body]
    [cand] = candidates(feed(assembly(mode), pieces))
    assert cand.text.strip() and cand.degenerate is None  # the sandbox reports what it makes of it
