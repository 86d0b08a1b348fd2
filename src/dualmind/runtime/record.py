"""Episode records in a SQLite file, written as the game runs, and exact replay.

Every tick's atomic actions and chat go in as they happen (one small transaction per
tick, WAL journal), so a crash or a dropped connection keeps everything up to the last
tick; an episode that did not end normally stays marked unfinished. Mind calls (prompt,
output, latency, tokens, error, fallback), macro actions and score events are recorded
too. A full state snapshot every ``snapshot_every`` ticks lets :func:`replay` prove that
re-simulating the recorded actions reproduces the game exactly.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dualmind.errors import DualmindError
from dualmind.game.layout import Layout
from dualmind.game.rules import Kitchen
from dualmind.game.settings import Settings
from dualmind.game.state import State

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


def connect(path: str | Path) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA busy_timeout=5000")  # several games may write one file at once
    db.executescript(SCHEMA)
    return db


class Recorder:
    """Writes one episode; ``start`` it, feed it every tick, ``finish`` it."""

    def __init__(self, path: str | Path, snapshot_every: int = 50):
        self.path = Path(path)
        self.db = connect(self.path)
        self.snapshot_every = snapshot_every
        self.episode: int | None = None

    def start(self, kitchen: Kitchen, agents: list[str], seed: int, clock: str, state: State,
              config: dict | None = None) -> int:
        cur = self.db.execute(
            "INSERT INTO episodes (started_at, layout_json, agents_json, seed, clock, config_json)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (time.time(), json.dumps(layout_to_json(kitchen.layout)), json.dumps(agents), seed,
             clock, json.dumps(config or {})))
        self.episode = cur.lastrowid
        self._snapshot(state)
        return self.episode

    def _snapshot(self, state: State) -> None:
        self.db.execute("INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?)",
                        (self.episode, state.tick, json.dumps(state.to_json())))

    def tick(self, before: State, actions: tuple[str, str], after: State, events,
             macros=(), calls=()) -> None:
        """Record one tick in one transaction (so a crash never leaves half a tick)."""
        ep, t = self.episode, before.tick
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("INSERT INTO ticks VALUES (?, ?, ?, ?, ?)",
                            (ep, t, actions[0], actions[1], after.score))
            for e in events:
                if e.kind == "chat":
                    self.db.execute("INSERT INTO chat VALUES (?, ?, ?, ?)", (ep, t, e.player, e.detail))
                elif e.kind in SCORE_EVENTS:
                    self.db.execute("INSERT INTO events VALUES (?, ?, ?, ?, ?)",
                                    (ep, t, e.player, str(e.kind), e.detail))
            for player, macro in macros:
                self.db.execute("INSERT INTO macros VALUES (?, ?, ?, ?)", (ep, t, player, macro))
            for player, rec, out in calls:
                self.db.execute(
                    "INSERT INTO mind_calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (ep, player, rec.mind, rec.submitted_tick, rec.ready_tick, rec.latency_s,
                     rec.wall_s, getattr(out, "prompt", "")[:4000], getattr(out, "output", "")[:4000],
                     rec.tokens[0], rec.tokens[1], rec.error, getattr(out, "model_errors", 0)))
            if after.tick % self.snapshot_every == 0:
                self._snapshot(after)
            self.db.execute("UPDATE episodes SET ticks = ? WHERE id = ?", (after.tick, ep))

    def finish(self, state: State, summary: dict, finished: bool = True) -> None:
        self._snapshot(state)
        self.db.execute("UPDATE episodes SET finished = ?, ticks = ?, summary_json = ? WHERE id = ?",
                        (int(finished), state.tick, json.dumps(summary), self.episode))

    def questionnaire(self, answers: dict) -> None:
        self.db.execute("INSERT INTO questionnaires VALUES (?, ?, ?)",
                        (self.episode, time.time(), json.dumps(answers)))

    def close(self) -> None:
        self.db.close()


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


def list_episodes(path: str | Path) -> list[EpisodeInfo]:
    if not Path(path).exists():
        raise DualmindError(f"no record file at {path}")
    db = connect(path)
    rows = db.execute("SELECT id, layout_json, agents_json, seed, clock, ticks, finished, summary_json "
                      "FROM episodes ORDER BY id").fetchall()
    db.close()
    return [EpisodeInfo(r[0], json.loads(r[1])["name"], json.loads(r[2]), r[3], r[4], r[5],
                        bool(r[6]), json.loads(r[7]) if r[7] else None) for r in rows]


def replay(path: str | Path, episode: int | None = None) -> Iterator[tuple[Kitchen, State, list]]:
    """Re-simulate a recorded episode tick by tick, checking every snapshot on the way.

    Yields (kitchen, state, events) after each tick; raises DualmindError at the first
    tick where the re-simulated state differs from the recorded snapshot.
    """
    if not Path(path).exists():
        raise DualmindError(f"no record file at {path}")
    db = connect(path)
    row = db.execute("SELECT id, layout_json, seed FROM episodes WHERE id = COALESCE(?, "
                     "(SELECT MAX(id) FROM episodes))", (episode,)).fetchone()
    if row is None:
        raise DualmindError(f"{path} holds no episode {episode if episode is not None else ''}".strip())
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
