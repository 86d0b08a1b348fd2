"""A game's life on the server: a proper end (close frame with a reason), reconnecting
after it, failures that reach the page and the log, scoring after the record is done,
and every resource given back."""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from dualmind.errors import DualmindError
from dualmind.runtime.record import list_episodes
from tests.web.conftest import LiveServer
from tests.web.test_server import new_game, read_until, ws


def read_all(conn, timeout: float = 30.0) -> tuple[list[dict], ConnectionClosed]:
    """Every message until the server closes the socket, and how it closed."""
    messages, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            messages.append(json.loads(conn.recv(timeout=max(0.1, deadline - time.monotonic()))))
        except ConnectionClosed as closed:
            return messages, closed
    raise AssertionError(f"the server did not close the socket within {timeout} s")


def test_the_end_is_a_summary_then_a_close_frame_with_a_reason(live_server):
    token = new_game(live_server, seconds=1)
    with ws(live_server, token) as conn:
        messages, closed = read_all(conn)
    kinds = [m["type"] for m in messages]
    assert kinds[0] == "start" and kinds.count("frame") == 10 and kinds[-2:] == ["end", "summary"]
    assert closed.rcvd is not None and closed.rcvd.code == 1000 and "finished" in closed.rcvd.reason
    assert messages[-1]["summary"]["finished"] and "compliance_source" in messages[-1]["summary"]


def test_reconnecting_to_a_finished_game_gets_its_end_not_a_hang(live_server):
    token = new_game(live_server, seconds=1)
    with ws(live_server, token) as conn:
        first, _ = read_all(conn)
    with ws(live_server, token) as again:
        messages, closed = read_all(again, timeout=10)
    assert [m["type"] for m in messages] == ["end", "summary"]
    assert messages[-1]["summary"] == first[-1]["summary"]
    assert closed.rcvd is not None and closed.rcvd.code == 1000


def test_a_game_that_cannot_start_says_why_on_the_page_and_once_in_the_log(
        live_server, monkeypatch, caplog):
    monkeypatch.delenv("DUALMIND_BASE_URL", raising=False)  # the openai backend has no server
    token = new_game(live_server, agent="hla", backend="openai", seconds=2)
    with caplog.at_level(logging.ERROR, logger="dualmind.web"), ws(live_server, token) as conn:
        messages, closed = read_all(conn)
    assert messages[-1]["type"] == "error" and messages[-1]["fatal"]
    assert "could not start" in messages[-1]["message"] and "DUALMIND_BASE_URL" in messages[-1]["message"]
    assert closed.rcvd is not None and closed.rcvd.code == 1011 and "could not start" in closed.rcvd.reason
    lines = [r for r in caplog.records if r.name == "dualmind.web" and token[:8] in r.getMessage()]
    assert len(lines) == 1 and "\n" not in lines[0].getMessage()
    # The next game is unaffected.
    with ws(live_server, new_game(live_server, seconds=1)) as conn:
        assert read_all(conn)[0][-1]["type"] == "summary"


def test_records_that_become_unwritable_fail_the_game_clearly(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    with LiveServer(folder / "r.sqlite") as server:
        shutil.rmtree(folder)  # gone after start-up (a removed disk, a cleaned folder)
        with ws(server, new_game(server, seconds=1)) as conn:
            messages, closed = read_all(conn)
    assert messages[-1]["type"] == "error" and "could not start" in messages[-1]["message"]
    assert closed.rcvd is not None and closed.rcvd.code == 1011


def test_scoring_runs_after_the_record_is_finished_and_off_the_tick_path(live_server, monkeypatch):
    """A slow end-of-game scoring must not hold back the end message, the record, or
    another game's ticks."""
    import dualmind.web.session as session

    release = threading.Event()

    def slow_scoring(view):
        release.wait(30)
        return {"slow_figure": 1}

    monkeypatch.setattr(session, "SUMMARIZERS", [slow_scoring])
    first = new_game(live_server, seconds=1)
    with ws(live_server, first) as conn:
        end = read_until(conn, "end")
        (episode,) = list_episodes(live_server.records)
        assert episode.finished and episode.summary is not None  # complete before scoring
        assert "slow_figure" not in end["summary"]
        # While the scoring waits, another game plays on time, to the end.
        with ws(live_server, new_game(live_server, seconds=1)) as other:
            assert read_until(other, "end")["summary"]["missed_ticks"] == 0
        release.set()
        summary = read_until(conn, "summary")
    assert summary["summary"]["slow_figure"] == 1 and summary["scored"]
    assert list_episodes(live_server.records)[0].summary["slow_figure"] == 1


def test_a_game_gives_back_its_resources_and_is_pruned(tmp_path):
    with LiveServer(tmp_path / "r.sqlite", grace_seconds=0.2) as server:
        token = new_game(server, seconds=1)
        game = server.app.state.games.get(token)
        with ws(server, token) as conn:
            read_all(conn)
        assert game.recorder is None and not game.listeners and game.task.done()
        deadline = time.monotonic() + 20
        while len(server.app.state.games) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(server.app.state.games) == 0 and game.match is None
        # The finished game's questionnaire is gone with it.
        r = httpx.post(f"{server.url}/api/games/{token}/questionnaire", json={"fast": 3}, timeout=10)
        assert r.status_code == 404


def test_a_game_nobody_connects_to_is_dropped(tmp_path):
    with LiveServer(tmp_path / "r.sqlite", idle_seconds=0.2, max_games=1) as server:
        new_game(server, seconds=5)
        time.sleep(0.5)
        new_game(server, seconds=5)  # the idle one no longer counts against the cap


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def _settled(count, baseline: int, timeout: float = 20.0) -> int:
    """The count once transient threads and sockets are gone (or after ``timeout``)."""
    deadline = time.monotonic() + timeout
    value = count()
    while value > baseline and time.monotonic() < deadline:
        time.sleep(0.1)
        value = count()
    return value


@pytest.mark.slow
def test_soak_three_hundred_games_keep_files_and_threads_flat(tmp_path):
    """Every finished game used to keep its SQLite connection: the server ran out of file
    handles after ~500 games (~25 with a limit of 60)."""
    import asyncio

    from websockets.asyncio.client import connect

    async def play(port: int, token: str, talk: bool) -> str:
        async with connect(f"ws://127.0.0.1:{port}/ws/{token}") as conn:
            if talk:
                await conn.send(json.dumps({"type": "chat", "text": "cook bob please"}))
            last = ""
            async for raw in conn:
                last = json.loads(raw)["type"]
            return last

    async def batch(server, count: int, client: httpx.AsyncClient) -> list[str]:
        tokens = []
        for _ in range(count):
            r = await client.post(f"{server.url}/api/games",
                                  json={"agent": "scripted", "seconds": 0.3})
            r.raise_for_status()
            tokens.append(r.json()["token"])
        return await asyncio.gather(*(play(server.port, t, i % 2 == 0) for i, t in enumerate(tokens)))

    async def rounds(server, n: int) -> list[str]:
        out = []
        async with httpx.AsyncClient(timeout=30) as client:
            for _ in range(n):
                out += await batch(server, 10, client)
        return out

    with LiveServer(tmp_path / "r.sqlite", grace_seconds=0.0, max_games=16) as server:
        warm = asyncio.run(rounds(server, 2))  # loads what loads once (the interpreter)
        files = _settled(_open_files, 0, timeout=2)
        threads = _settled(threading.active_count, 0, timeout=2)
        ends = asyncio.run(rounds(server, 30))
        after_files = _settled(_open_files, files)
        after_threads = _settled(threading.active_count, threads)
        _settled(lambda: len(server.app.state.games), 0, timeout=10)
        games_left = len(server.app.state.games)
    assert warm == ["summary"] * 20 and ends == ["summary"] * 300
    assert after_files <= files, f"open files grew from {files} to {after_files} over 300 games"
    assert after_threads <= threads, f"threads grew from {threads} to {after_threads} over 300 games"
    assert games_left == 0
    episodes = list_episodes(tmp_path / "r.sqlite")
    assert len(episodes) == 320 and all(e.finished for e in episodes)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["serve", "play"])
def test_one_ctrl_c_stops_the_command_with_a_game_running(tmp_path, command):
    """`serve` used to ignore the first SIGINT while a game ran (pool threads joined at
    exit, scoring awaited); `play` waited for its minds."""
    import signal
    import subprocess
    import sys

    from tests.web.conftest import free_port

    port, records = free_port(), tmp_path / "r.sqlite"
    argv = (["serve", "--port", str(port), "--records", str(records)] if command == "serve" else
            ["play", "--agents", "hla,partner", "--backend", "learned", "--clock", "wall",
             "--seconds", "60", "--json", "--record", str(records)])
    proc = subprocess.Popen([sys.executable, "-m", "dualmind.cli", *argv],
                            # Files, not pipes: nobody reads a pipe until the process has
                            # exited, and a full one blocks its final flush forever.
                            stdout=(tmp_path / "out.txt").open("w"), stderr=(tmp_path / "err.txt").open("w"),
                            text=True)
    try:
        if command == "serve":
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/api/options", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            r = httpx.post(f"http://127.0.0.1:{port}/api/games", timeout=10,
                           json={"agent": "hla", "backend": "learned", "seconds": 60})
            from websockets.sync.client import connect

            with connect(f"ws://127.0.0.1:{port}/ws/{r.json()['token']}", open_timeout=10) as conn:
                for _ in range(30):  # the game is under way (the agent loaded the interpreter)
                    conn.recv(timeout=30)
                conn.send(json.dumps({"type": "chat", "text": "cook bob"}))
                start = time.monotonic()
                proc.send_signal(signal.SIGINT)
                proc.wait(timeout=30)
        else:
            def ticks() -> int:
                try:
                    return max((e.ticks for e in list_episodes(records)), default=0)
                except DualmindError:  # not created yet
                    return 0

            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and ticks() <= 30:
                time.sleep(0.2)
            start = time.monotonic()
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
        took = time.monotonic() - start
    finally:
        if proc.poll() is None:
            proc.kill()
    # The aim is one second; the bound leaves room for a loaded machine (it took 30 s+ before).
    err = (tmp_path / "err.txt").read_text()[-2000:]
    assert took < 5, f"{command} took {took:.1f} s to stop after one Ctrl-C; stderr ends: {err}"
    (episode,) = list_episodes(records)
    assert not episode.finished and episode.ticks >= 29  # what was played is kept


def test_clients_that_leave_at_once_leave_nothing_open(tmp_path):
    """A browser closed while its game is being set up (agent, record, match) cancels
    the game mid-start: whatever the set-up opened is still closed."""
    with LiveServer(tmp_path / "r.sqlite") as server:
        with ws(server, new_game(server, seconds=0.2)) as conn:  # warm up
            read_all(conn)
        files = _settled(_open_files, 0, timeout=1)
        tokens = [new_game(server, seconds=5) for _ in range(12)]
        for token in tokens:
            with ws(server, token) as conn:
                pass  # gone before the game could start (or just after)
        games = [server.app.state.games.get(t) for t in tokens]
        deadline = time.monotonic() + 20
        while any(g.task is None or not g.task.done() or g.recorder is not None for g in games) \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        assert all(g.task.done() and g.recorder is None and not g.live for g in games)
        assert _settled(_open_files, files) <= files
    assert not any(e.finished for e in list_episodes(tmp_path / "r.sqlite")[1:])
