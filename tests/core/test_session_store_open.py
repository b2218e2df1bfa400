"""Opening the sessions database (red-team round 6, finding 5), on real SQLite files with a second
real connection: only a corrupt file is moved aside, and its WAL goes with it; a database another
program holds locked, one from a newer app or one that cannot be opened is refused in one sentence
with every file of it left as it was."""

import sqlite3

import pytest

from core.storage.session_store import SCHEMA_VERSION, SessionStore, StoreUnavailable

HEADER = b"SQLite format 3\x00"


def files(folder):
    return sorted(p.name for p in folder.iterdir())


def names(db):
    return sorted(name for (name,) in db.execute("SELECT name FROM sessions"))


def wal_writer(path):
    """A second connection, as another app's, whose commits stay in the WAL (no checkpoint)."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA wal_autocheckpoint=0")
    return db


def add_session(db, name):
    db.execute("INSERT INTO sessions (name, kind, created, updated) VALUES (?, 'workbench', 0, 0)", (name,))


def test_a_newer_app_s_live_database_is_refused_and_keeps_its_wal(tmp_path):
    path = tmp_path / "sessions.sqlite"
    store = SessionStore(path)
    store.create("checkpointed")
    store.close()
    newer = wal_writer(path)
    newer.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    add_session(newer, "in the WAL")
    before = files(tmp_path)
    assert "sessions.sqlite-wal" in before
    with pytest.raises(
        StoreUnavailable, match=r"^the session database .* was saved by a newer version .*left as it is"
    ):
        SessionStore(path)
    assert files(tmp_path) == before
    add_session(newer, "after")  # the newer app goes on, in its own file
    newer.close()
    reader = sqlite3.connect(path)
    assert names(reader) == ["after", "checkpointed", "in the WAL"]
    reader.close()


def test_a_database_another_program_holds_locked_is_left_to_it(tmp_path):
    path = tmp_path / "sessions.sqlite"
    store = SessionStore(path)
    store.create("my work")
    store.close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE sessions SET name='my work, being edited'")
    before = files(tmp_path)
    with pytest.raises(StoreUnavailable, match=r"cannot be opened \(database is locked\); it was left as it is$"):
        SessionStore(path)  # after SQLite's busy wait
    assert files(tmp_path) == before
    holder.execute("COMMIT")
    holder.close()
    store = SessionStore(path)
    assert [s.name for s in store.list()] == ["my work, being edited"] and store.notice is None
    store.close()


def test_a_path_sqlite_cannot_open_is_not_moved(tmp_path):
    path = tmp_path / "sessions.sqlite"
    path.mkdir()  # a folder where the file should be: not a damaged database
    (path / "keep.txt").write_text("mine")
    with pytest.raises(StoreUnavailable, match=r"\(unable to open database file\); it was left as it is$"):
        SessionStore(path)
    assert files(tmp_path) == ["sessions.sqlite"] and (path / "keep.txt").read_text() == "mine"


def test_a_corrupt_database_is_moved_aside_with_its_wal(tmp_path):
    live, copy = tmp_path / "live", tmp_path / "copy"
    live.mkdir()
    copy.mkdir()
    store = SessionStore(live / "sessions.sqlite")
    store.create("checkpointed")
    store.close()
    writer = wal_writer(live / "sessions.sqlite")
    add_session(writer, "in the WAL")
    # The files as a crash would leave them: the last commit only in the WAL, the header then damaged.
    for suffix in ("", "-wal"):
        (copy / f"sessions.sqlite{suffix}").write_bytes((live / f"sessions.sqlite{suffix}").read_bytes())
    writer.close()
    wal = (copy / "sessions.sqlite-wal").read_bytes()
    damaged = copy / "sessions.sqlite"
    damaged.write_bytes(b"\xff" * len(HEADER) + damaged.read_bytes()[len(HEADER) :])

    store = SessionStore(damaged)
    assert "file is not a database" in store.notice and "moved to" in store.notice
    assert store.list() == []
    store.close()
    [aside] = [p for p in copy.glob("sessions.sqlite.corrupt-*") if not p.name.endswith(("-wal", "-shm"))]
    assert (copy / f"{aside.name}-wal").read_bytes() == wal
    # Mended, the moved-aside copy still holds the commit that was only in its WAL.
    aside.write_bytes(HEADER + aside.read_bytes()[len(HEADER) :])
    reader = sqlite3.connect(aside)
    assert names(reader) == ["checkpointed", "in the WAL"]
    reader.close()
