from tests.gui.test_generation import PROMPT, TESTS_SRC, generate_and_wait
def test_dbg(qtbot, tiny_window):
    w = tiny_window
    w.prompt_editor.setPlainText(PROMPT); w.tests_editor.setPlainText(TESTS_SRC)
    w.controls.samples.setValue(4); w.controls.max_new_tokens.setValue(12)
    generate_and_wait(qtbot, w)
    w.view.selectRow(0)
    e = w.model.entry(w.view.current_index())
    print(repr(e.candidate.tokens), repr(e.candidate.raw_text), w.details.heat._starts, len(PROMPT), repr(w.details.heat.toPlainText()))
    print(w.details.outcome.toPlainText())
