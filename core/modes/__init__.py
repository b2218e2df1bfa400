"""What the model is asked for: instruct replies, examples tables and their second round, docstrings (Codex-D), and which function a prompt names."""
