"""Screenshots of presentation mode and of a demo script playing (issue 20), light and dark, for the
README: records a short demo on the small model (a run, a token's distribution under a moved
temperature, a branch, a second run, both pinned to Compare), saves it, then plays it in
presentation mode and saves docs/screenshots/presentation-*.png (the Workbench, its distribution
plot showing) and demo-script-*.png (the Compare tab, its figure's text enlarged, the step to come
in the status bar). Offscreen: no display is needed; settings and sessions go to a temporary folder.

Usage: .venv/bin/python installer/demo_screenshots.py [--model PATH]
"""

from __future__ import annotations

import argparse
import io
import os
import tempfile
from pathlib import Path

# The app-waiting helpers of the other screenshot script, beside this one (the script's folder is
# on sys.path when it runs).
from screenshots import add_child_role, open_window, settle, shoot_in_child, wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZE = (1400, 900)
# A function written before the one asked for, and the first line of the body: the small model then
# continues with code, not prose.
PROMPT = (
    'def reverse(text: str) -> str:\n    """Return text backwards."""\n    return text[::-1]\n\n\n'
    'def is_palindrome(text: str) -> bool:\n    """Return True if text reads the same forwards and backwards."""\n'
    "    text = text.lower()\n"
)
TESTS = (
    "def check(candidate):\n    assert candidate('level')\n    assert candidate('')\n    assert not candidate('ab')\n"
)
MAX_PNG_BYTES = 250_000


def small_png(image) -> bytes:
    """The grab as PNG, reduced to a 256-colour palette when larger than MAX_PNG_BYTES (flat UI
    colours survive it; a README should not carry megabytes)."""
    from PIL import Image
    from PySide6.QtCore import QBuffer

    buffer = QBuffer()
    buffer.open(QBuffer.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    png = bytes(buffer.data().data())
    if len(png) <= MAX_PNG_BYTES:
        return png
    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").quantize(256).save(out, "PNG", optimize=True)
    return out.getvalue()


def record(app, window, path: str) -> None:
    """The presenter's demo, recorded through the window as a user does it."""
    from desktop_app.token_heat_view import alternatives_at

    def run_and_wait(start) -> None:
        done = []
        window.controller.run_finished.connect(lambda: done.append(True))
        start()
        wait_for(app, lambda: bool(done) and window.controller.engine.state == "idle", 1800)

    sessions: list[int] = []
    window.controller.run_started.connect(lambda *_: sessions.append(window.recorder.session_id))
    window.demo.record_action.trigger()
    window.start_problem(PROMPT, TESTS, "is_palindrome")
    window.controls.set_params(
        {"n": 4, "temperature": 0.8, "top_p": 0.95, "top_k": 0, "max_new_tokens": 48, "seed": 7, "mode": "completion"}
    )
    run_and_wait(window.generate)
    for row, index in enumerate(window.view.ranked_indices()):  # the best candidate with a token to branch at
        window.view.selectRow(row)
        candidate = window.model.entry(index).candidate
        shown = range(2, window.details.heat.shown_tokens)
        position = next((i for i in shown if len(alternatives_at(candidate, i)) >= 2), None)
        if position is not None:
            break
    else:
        raise SystemExit("no candidate has a token with two alternatives: try another seed")
    window.details.heat.select_token(position)
    window.controls.temperature.setValue(1.3)
    alternative = alternatives_at(candidate, position)[1][0]
    run_and_wait(lambda: window.details.explorer.branch(position, alternative))
    window.controls.temperature.setValue(0.2)
    run_and_wait(window.generate)
    for sid in sessions:
        window.pin_to_compare(sid)
    window.tabs.setCurrentWidget(window.splitter)
    window.demo.record_action.trigger()
    assert window.demo.save_script(path), window.message.text()


def shoot(args) -> None:
    """Runs in the child process, offscreen, in one colour scheme."""
    from core.storage import demo_script as ds

    app, window = open_window(args, SIZE)
    script_path = os.path.join(args.settings_dir, f"demo-{args.shoot}.json")
    record(app, window, script_path)

    def save(name: str) -> None:
        settle(app, 0.5)
        path = os.path.join(args.out, f"{name}-{args.shoot}.png")
        Path(path).write_bytes(small_png(window.grab().toImage()))
        print(path)

    window.message.clear()
    assert window.demo.open_script(script_path), window.message.text()
    steps = window.demo.player.script.steps
    window.presentation_action.trigger()
    player = window.demo.player

    def play_until(wanted) -> None:
        """Plays steps until the step just played is `wanted`, and waits for any run it started."""
        while True:
            wait_for(app, lambda: not player.waiting, 1800)
            step = steps[player.position]
            player.advance()
            if step == wanted:
                wait_for(app, lambda: not player.waiting, 1800)
                return

    temperature = next(s for s in steps if isinstance(s, ds.SetTemperature))
    play_until(temperature)
    wait_for(app, lambda: window.details.distribution.logits is not None, 120)
    window.message.clear()
    save("presentation")
    pins = [s for s in steps if isinstance(s, ds.PinRun)]
    play_until(pins[-1])
    tab = window.compare_tab
    wait_for(app, lambda: len(tab.runs) == 2 and tab._text_scale == 1.5 and bool(tab.plot.png), 300)
    settle(app, 3)  # a figure asked for before the scale changed may still arrive; the last one wins
    window.message.clear()
    save("demo-script")
    window.close()


def main() -> None:
    from core.models import catalogue
    from core.models import store as model_store

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(model_store.model_dir(catalogue.SMALL)))
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "screenshots"))
    parser.add_argument("--schemes", nargs="+", default=["light", "dark"], choices=("light", "dark"))
    add_child_role(parser)
    args = parser.parse_args()
    if args.shoot:
        shoot(args)
        return
    os.makedirs(args.out, exist_ok=True)
    for scheme in args.schemes:
        with tempfile.TemporaryDirectory(prefix="demo-screenshots-") as settings:
            env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=settings)
            shoot_in_child(os.path.abspath(__file__), ["--model", args.model, "--out", args.out], scheme, settings, env)


if __name__ == "__main__":
    main()
