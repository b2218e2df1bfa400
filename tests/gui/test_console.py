"""The console dock runs a Jupyter kernel inside the sandbox, with the selected candidate defined."""
from sandbox.layers import PACKAGE_ROOT
from tests.gui.conftest import generate_and_wait

PROMPT = 'def add(a, b):\n    """Return a + b."""\n    return a + b\n'


def printed(output, marker: str) -> list[str]:
    """Output lines starting with marker (the echoed input contains it quoted, never at a line start)."""
    return [line for line in output.toPlainText().splitlines() if line.startswith(marker)]


def test_console_kernel_is_jailed_and_defines_candidate(qtbot, tiny_window):
    w = tiny_window
    w.prompt_editor.setPlainText(PROMPT)
    w.tests_editor.setPlainText("")
    w.controls.samples.setValue(1)
    w.controls.max_new_tokens.setValue(1)
    generate_and_wait(qtbot, w)
    assert w.model.entry(0).test == "no tests"
    w.console.show()
    # Starting the jailed kernel (bwrap, then ipykernel imports) takes seconds, more on a loaded machine.
    qtbot.waitUntil(lambda: w.console.console is not None, timeout=60000)
    w.view.selectRow(0)
    expected = PROMPT + w.model.entry(0).candidate.text
    console = w.console.console
    output = console._control
    console.execute(f"print('SEL=' + str(source == {expected!r}))")
    qtbot.waitUntil(lambda: bool(printed(output, "SEL=")), timeout=90000)
    assert printed(output, "SEL=") == ["SEL=True"]
    w.console.define_candidate(PROMPT, "", "add")
    console.execute(
        "import os, socket\n"
        "print('DEF=' + str(candidate(1, 2)))\n"
        f"print('REPO=', os.path.exists({PACKAGE_ROOT + '/core'!r}), os.path.exists(os.path.expanduser('~/.bashrc')))\n"
        "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=2)\nexcept OSError as e:\n    print('NET=', e.errno)\n"
    )
    qtbot.waitUntil(lambda: bool(printed(output, "NET=")), timeout=90000)
    assert printed(output, "DEF=") == ["DEF=3"]
    assert printed(output, "REPO=") == ["REPO= False False"]
    w.console.hide()
