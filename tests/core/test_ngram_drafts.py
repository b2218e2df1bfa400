"""Guesses for speculative decoding (core.sampling.ngram_drafts): the tokens that followed the longest
recent n-gram of a row's text, in the other rows' samples, the prompt or the row itself."""

from core.sampling.ngram_drafts import NgramDrafts


def test_the_longest_matching_ngram_wins_and_the_latest_text_on_ties():
    drafts = NgramDrafts([[1, 2, 3, 4, 5, 6], [9, 3, 4, 7, 8]])
    own = drafts.add([0, 2, 3, 4])
    # "2 3 4" (3 tokens) occurs only in the first text; "3 4" also in the second, which is later.
    assert drafts.propose(drafts.texts[own], 2) == [5, 6]
    assert drafts.propose([5, 3, 4], 3) == [7, 8]
    assert drafts.propose([4, 5, 6, 1], 3) == [2, 3, 4]  # down to one token: what followed "1"
    assert drafts.propose([42], 3) == []  # never seen


def test_a_growing_text_is_indexed_as_it_grows_but_never_guesses_from_its_own_end():
    drafts = NgramDrafts([])
    own = drafts.add([10, 11, 12])
    assert drafts.propose(drafts.texts[own], 4) == []  # "11 12" has nothing after it yet
    drafts.grow(own, [13, 10, 11])
    assert drafts.propose(drafts.texts[own], 4) == [12, 13, 10, 11]
    assert drafts.propose(drafts.texts[own], 1) == [12]
