"""The window's own modules import neither torch nor matplotlib: torch lives in the engine
process, and figures are drawn in a helper process (desktop_app.figure_drawer). Each costs
hundreds of milliseconds of a cold start (BENCHMARKS.md, UI latency), so a module-level import
of either in the GUI's import graph is a regression. numpy (100-140 ms) is imported by a worker
after the window is shown (desktop_app.preload), before the first pass@k needs it."""

import subprocess
import sys


def test_the_window_modules_leave_torch_matplotlib_and_numpy_unimported():
    probe = (
        "import sys; import desktop_app.app, desktop_app.main_window; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'matplotlib', 'transformers', 'numpy'}))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "[]", out.stdout
