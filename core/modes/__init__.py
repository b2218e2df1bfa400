"""What the model is asked for: instruct replies, examples tables and their rounds of corrections, docstrings (Codex-D), and which function a prompt names."""
