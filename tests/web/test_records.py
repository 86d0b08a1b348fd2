"""Record files as the server and `replay` use them: readers never write, writers are
checked up front, hostile text is stored (cleaned) instead of killing a game, and every
connection is given back."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from pathlib import Path

import pytest

from dualmind.cli import main
from dualmind.errors import DualmindError
from dualmind.game import Kitchen, load_layout
from dualmind.runtime.record import (
    Recorder,
    check_writable,
    list_episodes,
    open_readonly,
    replay,
)
from dualmind.runtime.scheduler import CallRecord


def _record(path, chat=(), ticks: int = 30, calls=()) -> None:
    kitchen = Kitchen(load_layout("ring"))
    state = kitchen.reset(3)
    with Recorder(path, snapshot_every=10) as rec:
        rec.start(kitchen, ["scripted", "human"], 3, "virtual", state)
        for n in range(ticks):
            before = state
            said = [(1, text) for text in chat] if n == 2 else []
            state, events = kitchen.step(state, ("stay", "up"), said)
            rec.tick(before, ("stay", "up"), state, events, calls=calls if n == 3 else ())
        rec.finish(state, {"score": state.score})


def _digest(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def test_the_reader_connection_is_read_only(tmp_path):
    path = tmp_path / "r.sqlite"
    _record(path)
    db = open_readonly(path)
    try:
        with pytest.raises(sqlite3.OperationalError, match=r"readonly|read-only|query_only"):
            db.execute("DELETE FROM episodes")
        assert db.execute("SELECT COUNT(*) FROM episodes").fetchone() == (1,)
    finally:
        db.close()


def test_reading_records_never_changes_the_file(tmp_path):
    """`replay` and `replay --list` used to switch the file to WAL and run the schema: a
    write on every read, which fails on a read-only file (and changes anyone's file)."""
    path = tmp_path / "r.sqlite"
    _record(path)
    plain = sqlite3.connect(path)
    plain.execute("PRAGMA journal_mode=DELETE")  # as another tool might leave it
    plain.close()
    before = _digest(path)
    os.chmod(path, 0o444)
    assert [e.ticks for e in list_episodes(path)] == [30]
    assert list(replay(path))[-1][1].tick == 30
    assert main(["replay", "--list", str(path)]) == 0
    assert main(["replay", str(path), "--every", "0"]) == 0
    assert _digest(path) == before
    assert not (tmp_path / "r.sqlite-wal").exists()
    check = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert check.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    check.close()


def test_a_file_that_is_not_a_record_says_so(tmp_path, capsys):
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(DualmindError, match="not a dualmind record file"):
        list_episodes(other)
    text = tmp_path / "notes.txt"
    text.write_text("hello " * 1000)
    assert main(["replay", "--list", str(text)]) == 2
    assert "not a dualmind record file" in capsys.readouterr().err


def test_check_writable_names_the_problem(tmp_path):
    with pytest.raises(DualmindError, match="does not exist"):
        check_writable(tmp_path / "missing" / "r.sqlite")
    with pytest.raises(DualmindError, match="is a folder"):
        check_writable(tmp_path)
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DualmindError, match="cannot write records"):
        check_writable(junk)
    check_writable(tmp_path / "new.sqlite")  # a fresh file is fine
    assert (tmp_path / "new.sqlite").exists()


def test_serve_refuses_to_start_with_an_unwritable_records_path(tmp_path, capsys):
    code = main(["serve", "--records", str(tmp_path / "no-such-folder" / "r.sqlite"),
                 "--port", "9"])
    assert code == 2
    assert "cannot write records" in capsys.readouterr().err


def test_hostile_text_is_cleaned_on_the_way_in_and_replays_exactly(tmp_path):
    """A lone surrogate used to pass the WebSocket and kill the game at the record insert."""
    path = tmp_path / "r.sqlite"
    hostile = "\ud800 chop\x1b[2J onions\u202e" + "x" * 2000
    call = CallRecord("slow", 3, ready_tick=3)
    call.error = "RuntimeError: \udcff bad"

    class Out:
        prompt = "line one\nline two \ud83d"
        output = "\x00{}"
        model_errors = 0

    _record(path, chat=[hostile], calls=[(0, call, Out())])
    *_, (_k, state, _) = list(replay(path))
    (message,) = state.chat
    assert message.text.startswith("\ufffd chop[2J onions") and len(message.text) == 500
    db = open_readonly(path)
    try:
        prompt, output, error = db.execute("SELECT prompt, output, error FROM mind_calls").fetchone()
    finally:
        db.close()
    assert prompt == "line one\nline two \ufffd" and output == "{}" and error == "RuntimeError: \ufffd bad"


def test_the_questionnaire_is_stored_once(tmp_path):
    path = tmp_path / "r.sqlite"
    kitchen = Kitchen(load_layout("ring"))
    state = kitchen.reset(0)
    with Recorder(path) as rec:
        rec.start(kitchen, ["scripted", "human"], 0, "wall", state)
        rec.finish(state, {})
        rec.questionnaire({"helpful": 4})
        with pytest.raises(DualmindError, match="already answered"):
            rec.questionnaire({"helpful": 1})


def _open_files(at_most: int | None = None) -> int:
    """Open files now, or once they are down to ``at_most`` (a recorder's checkpoint
    thread lets its file go a moment after the recorder closes): within 10 s."""
    deadline = time.monotonic() + 10
    count = len(os.listdir("/proc/self/fd"))
    while at_most is not None and count > at_most and time.monotonic() < deadline:
        time.sleep(0.05)
        count = len(os.listdir("/proc/self/fd"))
    return count


def test_recorders_give_their_files_back(tmp_path):
    path = tmp_path / "r.sqlite"
    _record(path)
    before = _open_files()
    for _ in range(50):
        _record(path, ticks=2)
        list_episodes(path)
    assert _open_files(before) <= before  # (earlier tests' sockets may still be closing)
    rec = Recorder(path)
    rec.close()
    rec.close()  # idempotent
    assert rec.closed and _open_files(before) <= before


def test_replay_works_on_a_read_only_file_in_a_read_only_folder():
    """The issue's case, for real: no write access to the file or its folder, so SQLite
    cannot even create the WAL's index beside it. Tests run as root, whom chmod does not
    stop, so the reader runs without the capabilities that override file permissions."""
    import shutil
    import subprocess
    import sys
    import tempfile

    prefix: list[str] = []
    if os.getuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: cannot drop the file-permission override")
        caps = "-dac_override,-dac_read_search"
        prefix = ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}"]
    folder = Path(tempfile.mkdtemp(prefix="dualmind-ro-"))
    try:
        path = folder / "r.sqlite"
        _record(path)
        assert not (folder / "r.sqlite-wal").exists()  # a clean close folds the WAL in
        path.chmod(0o444)
        folder.chmod(0o555)
        probe = subprocess.run([*prefix, sys.executable, "-c", f"open({str(folder / 'x')!r}, 'w')"],
                               capture_output=True, text=True, timeout=60)
        assert probe.returncode != 0 and "Permission denied" in probe.stderr  # really read-only
        for argv in (["replay", "--list", str(path)], ["replay", str(path), "--every", "0"]):
            proc = subprocess.run([*prefix, sys.executable, "-m", "dualmind.cli", *argv],
                                  capture_output=True, text=True, timeout=120)
            assert proc.returncode == 0, proc.stderr[-1000:]
            assert "30 ticks" in proc.stdout or "replayed 30 ticks exactly" in proc.stdout
        assert sorted(p.name for p in folder.iterdir()) == ["r.sqlite"]  # nothing written beside it
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)
