"""Episode records in a SQLite file, written as the game runs, and exact replay.

Every tick's atomic actions and chat go in as they happen (one small transaction per
tick, WAL journal, checkpointed by a background thread rather than inside a tick's
commit), so a crash or a dropped connection keeps everything up to the last tick; an
episode that did not end normally stays marked unfinished. Mind calls (prompt, output,
latency, tokens, error, fallback), macro actions and score events are recorded too. A
full state snapshot every ``snapshot_every`` ticks lets :func:`replay` prove that
re-simulating the recorded actions reproduces the game exactly.

Writers open the file with :func:`connect` (WAL, schema); readers with
:func:`open_readonly` (a ``mode=ro`` URI plus ``query_only``), so ``dualmind replay``
works on a file it may not write and never changes one it may. Every text written is
cleaned first (:func:`dualmind.game.text.clean_text`): a model's output with a lone
surrogate or a control character is stored, not fatal.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from dualmind.errors import DualmindError
from dualmind.game.layout import Layout
from dualmind.game.rules import Kitchen
from dualmind.game.settings import Settings
from dualmind.game.state import State
from dualmind.game.text import clean_text

SCHEMA = """
CREATE TABLE IF NOT EXISTS episodes (
    id INTEGER PRIMARY KEY, started_at REAL, layout_json TEXT, agents_json TEXT, seed INTEGER,
    clock TEXT, config_json TEXT, finished INTEGER DEFAULT 0, ticks INTEGER DEFAULT 0,
    summary_json TEXT, extra_json TEXT);
CREATE TABLE IF NOT EXISTS ticks (
    episode INTEGER, tick INTEGER, action0 TEXT, action1 TEXT, score INTEGER,
    PRIMARY KEY (episode, tick));
CREATE TABLE IF NOT EXISTS chat (episode INTEGER, tick INTEGER, player INTEGER, text TEXT);
CREATE TABLE IF NOT EXISTS macros (episode INTEGER, tick INTEGER, player INTEGER, macro TEXT);
CREATE TABLE IF NOT EXISTS events (
    episode INTEGER, tick INTEGER, player INTEGER, kind TEXT, detail TEXT);
CREATE TABLE IF NOT EXISTS mind_calls (
    episode INTEGER, player INTEGER, mind TEXT, submitted_tick INTEGER, ready_tick INTEGER,
    latency_s REAL, wall_s REAL, prompt TEXT, output TEXT, prompt_tokens INTEGER,
    completion_tokens INTEGER, error TEXT, model_errors INTEGER);
CREATE TABLE IF NOT EXISTS snapshots (episode INTEGER, tick INTEGER, state_json TEXT,
    PRIMARY KEY (episode, tick));
CREATE TABLE IF NOT EXISTS questionnaires (episode INTEGER, submitted_at REAL, answers_json TEXT);
"""
SCORE_EVENTS = {"serve", "order_expired", "wrong_delivery", "fire_started", "fire_out",
                "cook_start", "chopped", "plate_soup", "discard"}


def layout_to_json(layout: Layout) -> dict:
    return {"name": layout.name, "grid": list(layout.grid), "starts": [list(p) for p in layout.starts],
            "settings": layout.settings.to_json(), "description": layout.description}


def layout_from_json(data: dict) -> Layout:
    return Layout(data["name"], tuple(data["grid"]), tuple(tuple(p) for p in data["starts"]),
                  Settings.from_json(data["settings"]), data.get("description", ""))


MAX_STORED_TEXT = 4000  # a prompt or a model's output is cut to this many characters


CONNECT_SECONDS = 20.0
"""How long opening a records file for writing keeps retrying while the file is locked."""


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection for writing records (creates the file and its tables).

    Games that start at once all open the file at once, and SQLite answers some of those
    opens "database is locked" at once, without waiting out the busy timeout (switching a
    new file to WAL, creating the tables: seen in the 300-game soak and in ``bench web``).
    Those are retried with backoff for up to :data:`CONNECT_SECONDS`; any other error, or
    a lock that outlasts that, is raised."""
    deadline, pause = time.monotonic() + CONNECT_SECONDS, 0.02
    while True:
        try:
            return _connect_once(path)
        except sqlite3.OperationalError as e:
            locked = "locked" in str(e) or "busy" in str(e)
            if not locked or time.monotonic() + pause > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 1.0)


def _connect_once(path: str | Path) -> sqlite3.Connection:
    # timeout: SQLite's busy timeout, set before WAL (several games may write one file at once)
    db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=5.0)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(SCHEMA)
    except BaseException:
        db.close()  # never leak the handle of a file we could not set up
        raise
    return db


def check_writable(path: str | Path) -> None:
    """Raise DualmindError, saying why, unless records can be written to ``path``.

    Opens the file as a writer would and takes the write lock, then lets it go: this is
    what ``dualmind serve`` runs before it accepts a single game.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise DualmindError(f"cannot write records to {path}: folder {target.parent} does not exist")
    if target.is_dir():
        raise DualmindError(f"cannot write records to {path}: it is a folder")
    try:
        db = connect(target)
    except sqlite3.Error as e:
        raise DualmindError(f"cannot write records to {path}: {e}") from None
    try:
        db.execute("BEGIN IMMEDIATE")  # the write lock: fails on a read-only file or folder
        db.execute("ROLLBACK")
    except sqlite3.Error as e:
        raise DualmindError(f"cannot write records to {path}: {e}") from None
    finally:
        db.close()


def open_readonly(path: str | Path) -> sqlite3.Connection:
    """A read-only connection to a record file (``mode=ro``; writes through it fail).

    Reading never changes the file: no journal mode switch, no schema. A WAL file whose
    shared-memory index cannot be created (a read-only folder) is opened as immutable:
    nobody can be writing it there either.
    """
    target = Path(path)
    if not target.is_file():
        raise DualmindError(f"no record file at {path}")
    uri = "file:" + quote(str(target.resolve())) + "?mode=ro"
    last: sqlite3.Error | None = None
    for suffix in ("", "&immutable=1"):
        if suffix and os.access(target.parent, os.W_OK) and os.access(target, os.W_OK):
            break  # a writable file: a failure is not about the -shm file, so say it
        db = sqlite3.connect(uri + suffix, uri=True, check_same_thread=False)
        try:
            db.execute("PRAGMA query_only=ON")
            db.execute("SELECT id FROM episodes LIMIT 1").fetchall()
            return db
        except sqlite3.Error as e:
            db.close()
            last = e
            if "no such table" in str(e):
                raise DualmindError(f"{path} is not a dualmind record file (no episodes table)") from None
            if isinstance(e, sqlite3.DatabaseError) and "not a database" in str(e):
                raise DualmindError(f"{path} is not a dualmind record file (not SQLite)") from None
    raise DualmindError(f"cannot read records from {path}: {last}")


def _text(value: object, limit: int = MAX_STORED_TEXT) -> str:
    return clean_text(str(value or ""), limit=limit, multiline=True)


class _Checkpointer:
    """Folds a records file's WAL back into the file from a daemon thread, once a second,
    while any Recorder has the file open.

    SQLite's automatic checkpoint runs inside whichever commit crosses its threshold and
    ends with an fsync: with 50 games writing 500 ticks a second, that was a 20-40 ms stall
    on the tick path every second or so. Recorders switch it off and share one of these
    per file instead (a PASSIVE checkpoint never blocks a writer)."""

    _lock = threading.Lock()
    _by_path: dict[str, _Checkpointer] = {}

    def __init__(self, path: str):
        self.path, self.users = path, 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="records-checkpoint", daemon=True)

    @classmethod
    def acquire(cls, path: Path) -> _Checkpointer:
        key = str(path.resolve())
        with cls._lock:
            checkpointer = cls._by_path.get(key)
            if checkpointer is None:
                checkpointer = cls._by_path[key] = cls(key)
                checkpointer.thread.start()
            checkpointer.users += 1
            return checkpointer

    def release(self) -> None:
        """One Recorder fewer; the last one waits for the final checkpoint, so the file is
        whole (and no connection of ours is open on it) once its Recorder is closed."""
        with self._lock:
            self.users -= 1
            last = self.users == 0
            if last:
                del self._by_path[self.path]
                self.stop.set()
        if last and self.thread is not threading.current_thread():
            self.thread.join(timeout=10)

    def _run(self) -> None:
        try:
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error:
            return
        try:
            db.execute("PRAGMA busy_timeout=1000")
            while True:
                stopping = self.stop.wait(1.0)
                with contextlib.suppress(sqlite3.Error):  # busy: the next round catches up
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                if stopping:
                    return
        finally:
            db.close()


class Recorder:
    """Writes one episode; ``start`` it, feed it every tick, ``finish`` it, ``close`` it.

    It holds one open SQLite connection (a file handle and the WAL's): whoever makes a
    Recorder closes it (it is also a context manager); ``close`` is idempotent.
    """

    def __init__(self, path: str | Path, snapshot_every: int = 50):
        self.path = Path(path)
        self.db: sqlite3.Connection | None = connect(self.path)
        self.db.execute("PRAGMA wal_autocheckpoint=0")  # never on the tick path: _Checkpointer
        self._checkpointer: _Checkpointer | None = _Checkpointer.acquire(self.path)
        self.snapshot_every = snapshot_every
        self.episode: int | None = None

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self.db is None

    def _db(self) -> sqlite3.Connection:
        if self.db is None:
            raise DualmindError(f"the recorder of {self.path} is closed")
        return self.db

    def start(self, kitchen: Kitchen, agents: list[str], seed: int, clock: str, state: State,
              config: dict | None = None) -> int:
        cur = self._db().execute(
            "INSERT INTO episodes (started_at, layout_json, agents_json, seed, clock, config_json)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (time.time(), json.dumps(layout_to_json(kitchen.layout)), json.dumps(agents), seed,
             clock, json.dumps(config or {})))
        self.episode = cur.lastrowid
        self._snapshot(state)
        return self.episode

    def _snapshot(self, state: State) -> None:
        self._db().execute("INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?)",
                        (self.episode, state.tick, json.dumps(state.to_json())))

    def tick(self, before: State, actions: tuple[str, str], after: State, events,
             macros=(), calls=()) -> None:
        """Record one tick in one transaction (so a crash never leaves half a tick)."""
        ep, t, db = self.episode, before.tick, self._db()
        # Chat is already clean (the game cleans it as it enters, so replay matches);
        # a model's prompt, output and error come from outside and are cleaned here.
        with db:
            db.execute("BEGIN")
            db.execute("INSERT INTO ticks VALUES (?, ?, ?, ?, ?)",
                       (ep, t, actions[0], actions[1], after.score))
            for e in events:
                if e.kind == "chat":
                    db.execute("INSERT INTO chat VALUES (?, ?, ?, ?)", (ep, t, e.player, e.text))
                elif e.kind in SCORE_EVENTS:
                    db.execute("INSERT INTO events VALUES (?, ?, ?, ?, ?)",
                               (ep, t, e.player, str(e.kind), _text(e.label)))
            for player, macro in macros:
                db.execute("INSERT INTO macros VALUES (?, ?, ?, ?)", (ep, t, player, _text(macro)))
            for player, rec, out in calls:
                db.execute(
                    "INSERT INTO mind_calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (ep, player, rec.mind, rec.submitted_tick, rec.ready_tick, rec.latency_s,
                     rec.wall_s, _text(out.prompt if out else ""), _text(out.output if out else ""),
                     rec.tokens[0], rec.tokens[1], None if rec.error is None else _text(rec.error),
                     out.model_errors if out else 0))
            if after.tick % self.snapshot_every == 0:
                self._snapshot(after)
            db.execute("UPDATE episodes SET ticks = ? WHERE id = ?", (after.tick, ep))

    def finish(self, state: State, summary: dict, finished: bool = True) -> None:
        self._snapshot(state)
        self._db().execute(
            "UPDATE episodes SET finished = ?, ticks = ?, summary_json = ? WHERE id = ?",
            (int(finished), state.tick, json.dumps(summary), self.episode))

    def add_to_summary(self, extra: dict) -> None:
        """Merge figures computed after the game (compliance) into the finished summary."""
        db = self._db()
        with db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT summary_json FROM episodes WHERE id = ?", (self.episode,)).fetchone()
            summary = {**(json.loads(row[0]) if row and row[0] else {}), **extra}
            db.execute("UPDATE episodes SET summary_json = ? WHERE id = ?",
                       (json.dumps(summary), self.episode))

    def questionnaire(self, answers: dict) -> None:
        """Store the player's answers; a second submission for the episode is refused."""
        if self.episode is None:
            raise DualmindError("the questionnaire comes after the game")
        _store_answers(self._db(), self.episode, answers)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
        if self._checkpointer is not None:
            self._checkpointer.release()
            self._checkpointer = None


def _store_answers(db: sqlite3.Connection, episode: int, answers: dict) -> None:
    with db:
        db.execute("BEGIN IMMEDIATE")
        if db.execute("SELECT 1 FROM questionnaires WHERE episode = ?", (episode,)).fetchone():
            raise DualmindError("the questionnaire of this game is already answered")
        db.execute("INSERT INTO questionnaires VALUES (?, ?, ?)",
                   (episode, time.time(), json.dumps(answers)))


def store_questionnaire(path: str | Path, episode: int, answers: dict) -> None:
    """Store answers for a finished episode, once (a short-lived connection: a finished
    game holds no file open while it waits for its player's answers)."""
    db = connect(path)
    try:
        if db.execute("SELECT 1 FROM episodes WHERE id = ?", (episode,)).fetchone() is None:
            raise DualmindError(f"no episode {episode} to attach answers to")
        _store_answers(db, episode, answers)
    finally:
        db.close()


@dataclass
class EpisodeInfo:
    id: int
    layout: str
    agents: list[str]
    seed: int
    clock: str
    ticks: int
    finished: bool
    summary: dict | None


def list_episodes(path: str | Path, last: int | None = None) -> list[EpisodeInfo]:
    """The episodes in a record file, oldest first (only the ``last`` ones if given)."""
    db = open_readonly(path)
    try:
        rows = db.execute("SELECT id, layout_json, agents_json, seed, clock, ticks, finished, "
                          "summary_json FROM episodes ORDER BY id DESC LIMIT ?",
                          (-1 if last is None else last,)).fetchall()[::-1]
    finally:
        db.close()
    return [EpisodeInfo(r[0], json.loads(r[1])["name"], json.loads(r[2]), r[3], r[4], r[5],
                        bool(r[6]), json.loads(r[7]) if r[7] else None) for r in rows]


def replay(path: str | Path, episode: int | None = None) -> Iterator[tuple[Kitchen, State, list]]:
    """Re-simulate a recorded episode tick by tick, checking every snapshot on the way.

    Yields (kitchen, state, events) after each tick; raises DualmindError at the first
    tick where the re-simulated state differs from the recorded snapshot.
    """
    db = open_readonly(path)
    try:
        row = db.execute("SELECT id, layout_json, seed FROM episodes WHERE id = COALESCE(?, "
                         "(SELECT MAX(id) FROM episodes))", (episode,)).fetchone()
        if row is None:
            raise DualmindError(
                f"{path} holds no episode {episode if episode is not None else ''}".strip())
        ep, layout_json, seed = row
        kitchen = Kitchen(layout_from_json(json.loads(layout_json)))
        snapshots = {t: json.loads(s) for t, s in db.execute(
            "SELECT tick, state_json FROM snapshots WHERE episode = ?", (ep,))}
        chat: dict[int, list] = {}
        for t, player, text in db.execute("SELECT tick, player, text FROM chat WHERE episode = ? "
                                          "ORDER BY rowid", (ep,)):
            chat.setdefault(t, []).append((player, text))
        ticks = db.execute("SELECT tick, action0, action1 FROM ticks WHERE episode = ? ORDER BY tick",
                           (ep,)).fetchall()
    finally:
        db.close()
    state = kitchen.reset(seed)
    if 0 in snapshots and State.from_json(snapshots[0]) != state:
        raise DualmindError("replay diverged at tick 0: the recorded start state differs")
    yield kitchen, state, []
    for t, a0, a1 in ticks:
        state, events = kitchen.step(state, (a0, a1), chat.get(t, ()))
        if state.tick in snapshots and State.from_json(snapshots[state.tick]) != state:
            raise DualmindError(f"replay diverged at tick {state.tick}")
        yield kitchen, state, events
