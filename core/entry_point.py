"""Which function a prompt asks the model to write, so tests know what to call."""
from __future__ import annotations

import re

_DEF = re.compile(r"^(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(", re.MULTILINE)


def entry_point(prompt: str) -> str | None:
    """The last top-level function the prompt defines: HumanEval puts helpers before the
    function to complete, and the model continues the last one."""
    names = _DEF.findall(prompt)
    return names[-1] if names else None
