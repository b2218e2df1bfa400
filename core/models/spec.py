"""What a model argument (`--model`, the app's model box) names: a server, or a local model
("default", a Hugging Face folder, a .gguf file). Free of torch, so the GUI can ask too."""

from __future__ import annotations


def is_server_url(spec: str) -> bool:
    # Any scheme counts, so that "ftp://..." is refused as a URL rather than looked up as a folder.
    return "://" in spec
