"""The engine host: the child process of the desktop app that holds the model and the sandbox
pool, and runs generation, tests and the tabs' long jobs next to them. Qt-free.

`serve` is the process's loop; `protocol` holds every message that crosses its pipe; `jobs` holds
the long tasks. The GUI imports only `protocol` and the `serve` entry point (an import contract in
pyproject.toml enforces it).
"""
