"""The console dock runs a Jupyter kernel inside the sandbox, with the selected candidate defined."""

import re

from sandbox.layers import PACKAGE_ROOT
from tests.gui.conftest import generate_and_wait

PROMPT = 'def add(a, b):\n    """Return a + b."""\n    return a + b\n'


def printed(output, marker: str) -> list[str]:
    """What the kernel printed after `marker`, wherever it landed: qtconsole may put output that
    arrives while it echoes the input on the same line as that echo. The code below builds each
    marker from two literals ('DE' 'F='), so the echoed source never contains it."""
    return re.findall(re.escape(marker) + r"[^\n]*", output.toPlainText())


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
    console.execute(f"print('SE' 'L=' + str(source == {expected!r}))")
    qtbot.waitUntil(lambda: bool(printed(output, "SEL=")), timeout=90000)
    assert printed(output, "SEL=") == ["SEL=True"]
    w.console.define_candidate(PROMPT, "", "add")
    console.execute(
        "import os, socket\n"
        "print('DE' 'F=' + str(candidate(1, 2)))\n"
        f"print('RE' 'PO=', os.path.exists({PACKAGE_ROOT + '/core'!r}), os.path.exists(os.path.expanduser('~/.bashrc')))\n"
        "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=2)\nexcept OSError as e:\n    print('NE' 'T=', e.errno)\n"
    )
    qtbot.waitUntil(lambda: bool(printed(output, "NET=")), timeout=90000)
    assert printed(output, "DEF=") == ["DEF=3"], output.toPlainText()
    assert printed(output, "REPO=") == ["REPO= False False"], output.toPlainText()
    w.console.hide()
