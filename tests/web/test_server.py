"""The server under bad clients: every game stays isolated, every record stays whole."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from dualmind.runtime.record import list_episodes, replay


def new_game(server, **options) -> str:
    body = {"agent": "scripted", "seconds": 20, **options}
    r = httpx.post(f"{server.url}/api/games", json=body, timeout=10)
    r.raise_for_status()
    return r.json()["token"]


def ws(server, token):
    return connect(f"ws://127.0.0.1:{server.port}/ws/{token}", max_size=2**24, open_timeout=10)


def read_until(conn, kind: str, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        msg = json.loads(conn.recv(timeout=max(0.1, deadline - time.monotonic())))
        if msg["type"] == kind:
            return msg
    raise AssertionError(f"no {kind} message within {timeout} s")


def test_bad_options_are_refused(live_server):
    r = httpx.post(f"{live_server.url}/api/games", json={"layout": "moon"}, timeout=10)
    assert r.status_code == 400 and "layout" in r.json()["detail"]


def test_unknown_token_gets_an_error_frame(live_server):
    with ws(live_server, "not-a-token") as conn:
        assert json.loads(conn.recv(timeout=5))["type"] == "error"


def test_malformed_json_gets_an_error_frame_and_the_game_goes_on(live_server):
    token = new_game(live_server, seconds=3)
    with ws(live_server, token) as conn:
        read_until(conn, "frame")
        conn.send("{not json")
        conn.send(json.dumps({"type": "key", "action": "fly"}))
        errors = [read_until(conn, "error")["message"], read_until(conn, "error")["message"]]
        assert any("bad message" in e for e in errors)
        end = read_until(conn, "end")
        assert end["summary"]["finished"] and end["summary"]["ticks"] == 30


@pytest.mark.parametrize("abuse", ["flood", "huge"])
def test_abusive_clients_are_closed_and_other_games_keep_running(live_server, abuse):
    calm_token = new_game(live_server, seconds=6)
    bad_token = new_game(live_server, seconds=20)
    with ws(live_server, calm_token) as calm, ws(live_server, bad_token) as bad:
        read_until(calm, "frame")
        read_until(bad, "frame")
        if abuse == "flood":  # 1,000 messages as fast as possible
            with pytest.raises(ConnectionClosed):
                for _ in range(1000):
                    bad.send(json.dumps({"type": "key", "action": "up"}))
                    time.sleep(0.001)
                for _ in range(100):
                    bad.recv(timeout=5)
        else:  # a 1 MB chat message
            bad.send(json.dumps({"type": "chat", "text": "x" * 1_000_000}))
            with pytest.raises(ConnectionClosed):
                for _ in range(200):
                    bad.recv(timeout=5)
        end = read_until(calm, "end")
        assert end["summary"]["finished"] and end["summary"]["ticks"] == 60  # played to the end


def test_a_disconnect_mid_game_keeps_what_was_played(live_server):
    token = new_game(live_server, seconds=60)
    with ws(live_server, token) as conn:
        for _ in range(15):
            read_until(conn, "frame")
    # The server notices the closed socket and ends the game: wait for the record to say so.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        (episode,) = list_episodes(live_server.records)
        if episode.summary is not None:
            break
        time.sleep(0.1)
    assert episode.summary is not None and not episode.finished and 10 <= episode.ticks < 600
    *_, (_kitchen, state, _) = list(replay(live_server.records, episode.id))
    assert state.tick == episode.ticks  # the partial record replays exactly


def test_games_are_isolated_by_token(live_server):
    a, b = new_game(live_server, seconds=3), new_game(live_server, seconds=3)
    with ws(live_server, a) as conn_a, ws(live_server, b) as conn_b:
        read_until(conn_a, "frame")
        read_until(conn_b, "frame")
        conn_a.send(json.dumps({"type": "chat", "text": "only for game a"}))
        end_b = read_until(conn_b, "end")
        read_until(conn_a, "end")
    episodes = {e.id: e for e in list_episodes(live_server.records)}
    chats = {}
    for ep in episodes:
        *_, (_k, state, _) = list(replay(live_server.records, ep))
        chats[ep] = [m.text for m in state.chat]
    assert sorted(map(tuple, chats.values())) == [(), ("only for game a",)]
    assert end_b["summary"]["finished"]


def test_questionnaire_is_stored_with_the_record(live_server):
    token = new_game(live_server, seconds=2)
    with ws(live_server, token) as conn:
        read_until(conn, "end")
    r = httpx.post(f"{live_server.url}/api/games/{token}/questionnaire",
                   json={"understood": 5, "helpful": 3}, timeout=10)
    assert r.status_code == 200 and r.json()["stored"] == 2
    frames = httpx.get(f"{live_server.url}/api/records/1/frames", timeout=30).json()
    assert len(frames["frames"]) == 21 and frames["frames"][-1]["time_left"] == 0


def test_bench_web_json(capsys):
    from dualmind.cli import main

    assert main(["bench", "web", "--games", "3", "--seconds", "3", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["finished"] == 3 and r["frames_received"] >= 3 * 30
    assert r["records_complete"] == 3 and r["closed_normally"] == 3 and r["games_per_core"] > 0
    assert r["lateness_p99_ms"] >= r["lateness_p50_ms"] >= 0


def _exit_without_answering() -> None:
    raise SystemExit(3)


def test_bench_web_says_at_once_when_its_clients_die_without_results():
    import multiprocessing
    import time

    from dualmind.bench.web import _answer
    from dualmind.errors import DualmindError

    context = multiprocessing.get_context("spawn")
    answers = context.Queue()
    clients = context.Process(target=_exit_without_answering, daemon=True)
    clients.start()
    start = time.monotonic()
    with pytest.raises(DualmindError, match="exited"):
        _answer(answers, clients, timeout=300)  # it used to wait out the whole timeout
    assert time.monotonic() - start < 30
    clients.join(timeout=10)
