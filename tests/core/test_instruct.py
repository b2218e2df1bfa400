"""Turning a chat model's reply back into a completion of the user's prompt."""

import ast

from core.modes.instruct import completion_from_body, completion_from_reply, extract_code
from core.sampling.stopping import find_stop, tokens_covering

PROMPT = 'from typing import List\n\n\ndef evens(xs: List[int]) -> List[int]:\n    """Keep the even numbers."""\n'


def program(reply):
    return PROMPT + completion_from_reply(PROMPT, reply)


def run(source):
    namespace = {}
    exec(compile(source, "<candidate>", "exec"), namespace)  # trusted literals of this test only
    return namespace["evens"]([1, 2, 3, 4])


def test_full_function_with_docstring_and_helper():
    reply = (
        'def evens(xs):\n    """Evens."""\n    return [x for x in xs if is_even(x)]\n\n'
        "def is_even(x):\n    return x % 2 == 0\n```\nThis keeps evens."
    )
    assert run(program(reply)) == [2, 4]


def test_body_only_reply_is_indented_under_the_prompt():
    assert run(program("return [x for x in xs if x % 2 == 0]\n```")) == [2, 4]


def test_reply_cut_mid_statement_keeps_what_parses():
    reply = "import math\ndef evens(xs):\n    out = [x for x in xs if x % 2 == 0]\n    return out\nprint(evens([1, 2]"
    source = program(reply)
    ast.parse(source)
    assert run(source) == [2, 4]


def test_extract_code():
    assert extract_code("x = 1\n```\nprose") == "x = 1\n"


def test_stop_helpers():
    assert find_stop("    return x\ndef g", ("\ndef", "\nif")) == 12
    assert find_stop("abc", ("\ndef",)) is None
    assert tokens_covering([2, 5, 9, 12], 6) == 3
    assert tokens_covering([2, 5], 0) == 0  # nothing kept: no token's log-prob counts


def test_reply_started_with_the_prompt_yields_the_body():
    from core.modes.instruct import body_end, completion_from_body, reply_start

    assert reply_start("\n" + PROMPT + "\n\n") == "```python\n" + PROMPT
    continuation = "    return [x for x in xs if x % 2 == 0]\n```\nThis keeps the even numbers."
    raw = continuation[: body_end(continuation)]
    assert raw == "    return [x for x in xs if x % 2 == 0]\n"  # no stray closing fence
    assert run(PROMPT + completion_from_body(PROMPT, raw)) == [2, 4]
    assert body_end("```\nprose") == 0 and body_end("    return 1\n") is None


def test_unclosed_fence_keeps_the_code():
    from core.modes.instruct import completion_from_body

    # Cut by the token limit after a complete statement: the code so far is kept.
    cut = "    out = [x for x in xs if x % 2 == 0]\n    return out\n    # and th"
    assert run(PROMPT + completion_from_body(PROMPT, cut)) == [2, 4]


def test_example_calls_and_prints_after_the_function_are_left_out():
    reply = (
        "def evens(xs):\n    return [x for x in xs if x % 2 == 0]\n\nLIMIT = 3\n\n"
        "print(evens([1, 2]))\nassert evens([]) == [1]\nif __name__ == '__main__':\n    evens(0)\n```"
    )
    completion = completion_from_reply(PROMPT, reply)
    assert "print" not in completion and "assert" not in completion and "__main__" not in completion
    assert "LIMIT = 3" in completion
    assert run(PROMPT + completion) == [2, 4]


def test_the_models_own_test_function_is_left_out_and_a_helper_kept():
    """`def check_evens(): assert evens(...)` after the function is the model showing its work: a
    user taking the function would take that too. A helper the function calls stays, even one that
    calls it back."""
    reply = (
        "def evens(xs):\n    return [x for x in xs if is_even(x)]\n\n"
        "def is_even(x):\n    return x % 2 == 0 or x in evens([])\n\n"
        "def check_evens():\n    assert evens([1, 2]) == [2]\n    print('ok')\n"
    )
    completion = completion_from_reply(PROMPT, reply)
    assert "check_evens" not in completion and "def is_even(x):" in completion
    assert run(PROMPT + completion) == [2, 4]


def test_reply_without_code_gives_an_empty_completion():
    from core.ranking.degenerate import degenerate_reason

    for reply in ("", "```", "# no idea\n```"):
        assert completion_from_reply(PROMPT, "```python\n" + reply) == ""
    assert degenerate_reason(PROMPT, "") is not None


def test_trying_the_function_out_ends_the_body():
    from core.modes.instruct import body_end

    body = "    return [x for x in xs if x % 2 == 0]\n\n"
    for demo in (
        "print(evens([1, 2]))\n",
        "if __name__ == '__main__':\n",
        "assert evens([]) == []\n",
        "evens([1])\n",
        "for x in range(3):\n",
    ):
        assert body_end(body + "# Try it\n" + demo) == len(body + "# Try it\n")
    # Helpers, constants and unfinished lines do not end it.
    for kept in ("def is_even(x):\n", "LIMIT = 3\n", "import math\n", "format"):
        assert body_end(body + kept) is None


def test_lines_inside_strings_and_brackets_do_not_end_the_body():
    from core.modes.instruct import body_end

    # A query and a Markdown block at column 0 inside the body's strings, a call's arguments
    # continued at column 0: all the function's own code.
    query = '    sql = """\nCOUNT(*) of rows\nprint(x)\n"""\n'
    markdown = "    text = '''\n```python\ncode\n```\n'''\n"
    bracket = "    total = sum(\nfor_each(xs))\n"
    for body in (query, markdown, bracket):
        assert body_end(body + "    return sql\n") is None, body
        assert body_end(body + "print(f(1))\n") == len(body), body
        assert body_end(body + "```\n") == len(body), body


def test_body_keeps_its_comments_and_not_the_prompts_imports():
    from core.modes.instruct import completion_from_body

    body = (
        "    # keep the even ones\n    return [x for x in xs if x % 2 == 0]\n\nfrom typing import List\nimport math\n"
    )
    completion = completion_from_body(PROMPT, body)
    assert completion.startswith("    # keep the even ones\n")
    assert "from typing import List" not in completion and "import math" in completion
    assert run(PROMPT + completion) == [2, 4]


def test_standard_module_used_without_import_is_imported_after_the_function():
    # The reply was started with the prompt, so the model had no place for `import re` above it.
    completion = completion_from_reply(
        PROMPT, "return [x for x in xs if not re.match('1', str(x)) and x % 2 == 0]\n```"
    )
    assert completion.endswith("\nimport re\n")
    assert run(PROMPT + completion) == [2, 4]


def test_modules_bound_by_the_program_get_no_import():
    from core.modes.module_imports import unimported_modules

    assert unimported_modules("import re\ndef f(s):\n    return re.sub('a', 'b', s)\n") == []
    assert unimported_modules("def f(string):\n    return string.upper()\n") == []  # a parameter
    assert unimported_modules("def f(s):\n    import math\n    return math.pi\n") == []
    assert unimported_modules("def f(s):\n    global math\n    import math\n\ndef g():\n    return math.pi\n") == []
    assert unimported_modules("copy = 1\ndef f():\n    return copy.x\n") == []
    assert unimported_modules("def f(s):\n    return re.sub(\n") == []  # does not parse: it fails on its own
    # Only `name.attribute` tells a module: a bare call of `copy` is not `import copy`, and names that
    # are no standard module are left alone.
    assert unimported_modules("def f(x):\n    return copy(x) + numpy.pi\n") == []
    assert unimported_modules("def f(x):\n    return math.floor(x) + hashlib.md5(b'').digest()[0]\n") == [
        "hashlib",
        "math",
    ]


def _run(prompt: str, completion: str, name: str):
    namespace: dict = {}
    exec(prompt + completion, namespace)
    return namespace[name]


def test_a_body_is_indented_as_the_prompt_indents_and_strings_keep_their_lines():
    """Held-out problems probe: a tab-indented prompt's right body was re-indented with spaces (an
    IndentationError, 0 of 3 where the model was right 3 of 3), and the lines of a multi-line
    string inside the body got four more spaces each."""
    tabs = 'def count_upper(s):\n\t"""Count the capitals."""\n'
    completion = completion_from_body(tabs, "\treturn sum(1 for c in s if c.isupper())\n```")
    assert completion == "\treturn sum(1 for c in s if c.isupper())\n"
    assert _run(tabs, completion, "count_upper")("AbC") == 2
    boxed = 'def box(title):\n    """A title in a box of dashes."""\n'
    body = '    edge = "-" * (len(title) + 4)\n    return f"""{edge}\n| {title} |\n{edge}"""\n```'
    completion = completion_from_body(boxed, body)
    assert _run(boxed, completion, "box")("ab") == "------\n| ab |\n------"
    # A server's reply writes the whole function, indented its own way.
    reply = (
        '```python\ndef box(title):\n  edge = "-" * (len(title) + 4)\n  return f"""{edge}\n| {title} |\n{edge}"""\n```'
    )
    assert _run(boxed, completion_from_reply(boxed, reply), "box")("ab") == "------\n| ab |\n------"


def test_a_prompt_without_a_last_line_break_gets_its_body_on_a_line_of_its_own():
    """Held-out problems probe: the body was glued onto the docstring's closing line."""
    prompt = 'def lower(w):\n    """Lower case."""'
    completion = completion_from_body(prompt, "    return w.lower()\n```")
    assert completion == "\n    return w.lower()\n" and _run(prompt, completion, "lower")("AB") == "ab"


def test_a_method_or_a_nested_function_is_completed_where_the_prompt_left_it():
    """The reply starts with the prompt, so the target sits in a class or an outer function: its
    body was indented again under the method with the class copied into it, or the outer
    function's own code after it was lost."""
    method = 'class Counter:\n    def bump(self, x):\n        """One more."""\n'
    completion = completion_from_body(method, "        return x + 1\n```")
    assert completion == "        return x + 1\n" and _run(method, completion, "Counter")().bump(1) == 2
    outer = 'def twice(x):\n    def double(y):\n        """Twice y."""\n'
    completion = completion_from_body(outer, "        return y * 2\n    return double(x)\n```")
    assert _run(outer, completion, "twice")(3) == 6


def test_a_fence_after_broken_code_still_ends_the_body():
    from core.modes.instruct import body_end

    broken = "    return max(xs\n"
    assert body_end(broken + "```\nThis returns the largest.\n") == len(broken)
