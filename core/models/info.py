"""What the app knows about a loaded model, and the error that says why one could not be loaded.

Light on purpose: the desktop app unpickles a ModelInfo when the engine host reports a load, and
that import runs on the GUI process's pipe reader. Kept in core.models.loader, it imported torch and
transformers there (about 5 s of imports holding the interpreter lock: a 240-360 ms freeze of the
window as the model came up, measured on machine B)."""

from __future__ import annotations

from dataclasses import dataclass

from core.user_error import UserError


class ModelLoadError(UserError, ValueError):
    """The model could not be loaded; the message says why in plain words."""


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: str
    device: str
    dtype: str
    n_params: int
    memory_bytes: int
    has_chat_template: bool
    architecture: str

    def describe(self) -> str:
        return (
            f"{self.name} ({self.architecture}, {self.n_params / 1e6:.0f}M params) on {self.device}, "
            f"{self.dtype}, {self.memory_bytes / 2**20:.0f} MiB"
        )
