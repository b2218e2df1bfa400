"""The versions of the documents the app's tabs keep in the session store (core.storage.session_store),
by kind, and how an older one is brought up to date when it is read. A document is written with
its kind's version; one of an older version is upgraded in memory and never rewritten in place
(the stored one stays as it was until the user saves that session again), and one of a newer
version is refused with a sentence saying why, its data left untouched."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from core.user_error import UserError

Document = dict[str, Any]


def _sweep_keeps_facts_only(document: Document) -> Document:
    """Version 1 kept the lab's last snapshot whole: the samples, and a table, a CSV and base64 PNGs
    derived from them. Version 2 keeps the samples only; the rest is derived again."""
    snapshot = document.get("snapshot")
    kept = {key: value for key, value in document.items() if key != "snapshot"}
    facts = None if snapshot is None else {key: snapshot[key] for key in ("temperatures", "n", "samples")}
    return {**kept, "sweep": facts}


# Per kind, the function that brings version i + 1 to version i + 2. A kind not named here is at version 1.
UPGRADES: Mapping[str, tuple[Callable[[Document], Document], ...]] = {"sweep": (_sweep_keeps_facts_only,)}


class UnreadableDocument(UserError):
    """A session document this version of the app cannot read."""


def current_version(kind: str) -> int:
    return len(UPGRADES.get(kind, ())) + 1


def upgraded(kind: str, version: int, document: Document) -> Document:
    """`document`, stored at `version`, in the shape this version of the app writes."""
    current = current_version(kind)
    if version > current:
        raise UnreadableDocument(
            f"This {kind} session was saved by a newer version of CodeSynth Studio (document version {version}, "
            f"this one reads up to {current}): update the app to open it; the session is kept as it is."
        )
    if version < 1:
        raise UnreadableDocument(f"This {kind} session has no valid document version ({version}); it is kept as it is.")
    for upgrade in UPGRADES.get(kind, ())[version - 1 :]:
        document = upgrade(document)
    return document
