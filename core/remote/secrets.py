"""API keys for remote servers: read from the environment or the OS keyring, held in memory only.

Nothing here writes a key to disk except `store_api_key`, and that writes to the OS keyring,
never to the app's own files: session files, logs and exports must not carry credentials.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

ENV_VAR = "CODESYNTH_API_KEY"
KEYRING_SERVICE = "codesynth-studio"


class KeyringUnavailable(RuntimeError):
    """No usable OS keyring (e.g. a headless machine without a secret service)."""


def keyring_account(url: str) -> str:
    """One keyring entry per server: scheme, host and port, so a path change keeps the key."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}"


def api_key(url: str) -> str | None:
    """The key for `url`: the environment variable wins, then the keyring, else None."""
    key = os.environ.get(ENV_VAR, "").strip()
    if key:
        return key
    try:
        import keyring
        from keyring.errors import KeyringError

        return keyring.get_password(KEYRING_SERVICE, keyring_account(url)) or None
    except (ImportError, KeyringError, RuntimeError):
        # A machine without a keyring backend simply has no stored key.
        return None


def store_api_key(url: str, key: str) -> None:
    """Save a key in the OS keyring (the GUI's "remember key"). Raises KeyringUnavailable."""
    try:
        import keyring
        from keyring.errors import KeyringError

        keyring.set_password(KEYRING_SERVICE, keyring_account(url), key)
    except (ImportError, KeyringError, RuntimeError) as exc:
        raise KeyringUnavailable(f"no OS keyring is available ({type(exc).__name__}); set {ENV_VAR} instead") from None


def redact(text: str, key: str | None) -> str:
    """`text` with the key replaced, for messages that quote a server's reply."""
    return text.replace(key, "***") if key else text
