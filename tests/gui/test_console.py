"""The console dock runs a Jupyter kernel inside the sandbox, with the selected candidate defined."""
from sandbox.layers import PACKAGE_ROOT
from tests.gui.conftest import generate_and_wait

PROMPT = 'def add(a, b):\n    """Return a + b."""\n    return a + b\n'


def test_console_kernel_is_jailed_and_defines_candidate(qtbot, tiny_window):
    w = tiny_window
    w.prompt_editor.setPlainText(PROMPT)
    w.tests_editor.setPlainText("")
    w.controls.samples.setValue(1)
    w.controls.max_new_tokens.setValue(1)
    generate_and_wait(qtbot, w)
    assert w.model.entry(0).test == "no tests"
    w.console.show()
    qtbot.waitUntil(lambda: w.console.console is not None, timeout=10000)
    w.view.selectRow(0)
    console = w.console.console
    output = console._control
    console.execute(
        "import os, socket\n"
        "print('defined', candidate.__name__, 'source' in globals())\n"
        f"print('repo', os.path.exists({PACKAGE_ROOT + '/core'!r}), os.path.exists(os.path.expanduser('~/.bashrc')))\n"
        "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=2)\nexcept OSError as e:\n    print('net', e.errno)\n"
    )
    try:
        qtbot.waitUntil(lambda: "net " in output.toPlainText(), timeout=30000)
    finally:
        print("OUT", output.toPlainText())
    text = output.toPlainText()
    assert "defined add True" in text
    assert "repo False False" in text
    w.console.hide()
