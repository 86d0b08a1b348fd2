"""The server against hostile pages and clients: Host and Origin checks, validated and
bounded requests, a cap on live games, safe pages, no leaked paths, odd frames."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.web.conftest import LiveServer
from tests.web.test_server import new_game, read_until, ws


def handshake_status(port: int, path: str, headers: dict[str, str]) -> int:
    """The status of a raw WebSocket handshake (clients will not send a foreign Host)."""
    import socket

    lines = [f"GET {path} HTTP/1.1", "Upgrade: websocket", "Connection: Upgrade",
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
             *(f"{k}: {v}" for k, v in headers.items())]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return int(sock.recv(4096).split(b" ", 2)[1])


def test_a_foreign_host_header_is_refused(live_server):
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends Host: evil.example."""
    r = httpx.get(f"{live_server.url}/api/records", headers={"Host": "evil.example:8000"}, timeout=10)
    assert r.status_code == 403 and "--allow-host" in r.json()["detail"]
    assert handshake_status(live_server.port, "/ws/x", {"Host": "evil.example"}) == 403
    assert handshake_status(live_server.port, "/ws/x", {"Host": "127.0.0.1"}) == 101
    assert httpx.get(f"{live_server.url}/api/options", headers={"Host": "localhost"}, timeout=10).is_success


def test_a_foreign_origin_is_refused_on_http_and_websocket(live_server):
    r = httpx.post(f"{live_server.url}/api/games", json={"agent": "scripted"},
                   headers={"Origin": "https://evil.example"}, timeout=10)
    assert r.status_code == 403 and "--allow-origin" in r.json()["detail"]
    token = new_game(live_server, seconds=2)
    with pytest.raises(InvalidStatus):
        connect(f"ws://127.0.0.1:{live_server.port}/ws/{token}",
                additional_headers={"Origin": "https://evil.example"}, open_timeout=10)
    ok = httpx.get(f"{live_server.url}/api/options",
                   headers={"Origin": f"http://127.0.0.1:{live_server.port}"}, timeout=10)
    assert ok.is_success


def test_allowed_hosts_and_origins_are_let_in(tmp_path):
    with LiveServer(tmp_path / "r.sqlite", allow_hosts=["kitchen.lab"],
                    allow_origins=["https://lab.example.org"]) as server:
        r = httpx.get(f"{server.url}/api/options", timeout=10,
                      headers={"Host": "kitchen.lab", "Origin": "https://lab.example.org"})
        assert r.is_success
        r = httpx.get(f"{server.url}/api/options", headers={"Host": "other.lab"}, timeout=10)
        assert r.status_code == 403


def test_pages_carry_a_content_security_policy_and_no_inline_script(live_server):
    for page in ("/", "/records"):
        r = httpx.get(live_server.url + page, timeout=10)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp and r.headers["x-content-type-options"] == "nosniff"
        assert "<script>" not in r.text and "style=" not in r.text  # all of it from files


def test_no_script_puts_data_into_html():
    static = Path(__file__).parents[2] / "src" / "dualmind" / "web" / "static"
    for script in static.glob("*.js"):
        text = script.read_text()
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write"):
            assert sink not in text, f"{script.name} uses {sink}"


@pytest.mark.parametrize("body, word", [
    ({"seconds": "NaN"}, "seconds"), ({"seconds": 1e999}, "seconds"), ({"seconds": 0}, "seconds"),
    ({"slow_latency": -1}, "slow_latency"), ({"layout": "moon"}, "layout"),
    ({"agent": "<script>"}, "agent"), ({"colour": "red"}, "colour"), ({"show_mind": "perhaps"}, "show_mind"),
])
def test_bad_game_options_get_a_clear_400(live_server, body, word):
    r = httpx.post(f"{live_server.url}/api/games", content=json.dumps(body),
                   headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 400
    detail = r.json()["detail"]
    assert isinstance(detail, str) and word in detail


def test_oversized_and_deeply_nested_bodies_are_refused(live_server):
    r = httpx.post(f"{live_server.url}/api/games", content=b'{"layout": "' + b"x" * 50_000_000 + b'"}',
                   headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 413

    def chunks():
        for _ in range(100):
            yield b" " * 10_000

    r = httpx.post(f"{live_server.url}/api/games", content=chunks(),
                   headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 413
    r = httpx.post(f"{live_server.url}/api/games", content=b"[" * 5000 + b"]" * 5000,
                   headers={"Content-Type": "application/json"}, timeout=10)
    assert 400 <= r.status_code < 500


def test_the_number_of_live_games_is_capped(tmp_path):
    with LiveServer(tmp_path / "r.sqlite", max_games=2) as server:
        new_game(server, seconds=5)
        new_game(server, seconds=5)
        r = httpx.post(f"{server.url}/api/games", json={"agent": "scripted"}, timeout=10)
        assert r.status_code == 503 and "busy" in r.json()["detail"]
        assert "retry-after" in r.headers


def test_a_missing_record_does_not_show_the_records_path(live_server):
    r = httpx.get(f"{live_server.url}/api/records/7/frames", timeout=10)
    assert r.status_code == 404 and live_server.records not in r.text
    assert str(Path(live_server.records).parent) not in r.text
    r = httpx.get(f"{live_server.url}/no/such/page", timeout=10)
    assert r.status_code == 404 and live_server.records not in r.text


def test_nested_json_and_binary_frames_get_error_frames_and_the_game_goes_on(live_server):
    token = new_game(live_server, seconds=3)
    with ws(live_server, token) as conn:
        read_until(conn, "frame")
        conn.send("[" * 5000 + "]" * 5000)
        assert "bad message" in read_until(conn, "error")["message"]
        conn.send('{"type": "chat", "text": ' + "[" * 5000 + "]" * 5000 + "}")
        assert "bad message" in read_until(conn, "error")["message"]
        conn.send(b"\x00\x01binary")
        assert "binary" in read_until(conn, "error")["message"]
        conn.send(json.dumps(["a", "list"]))
        assert "bad message" in read_until(conn, "error")["message"]
        end = read_until(conn, "end")
        assert end["summary"]["finished"] and end["summary"]["ticks"] == 30


def test_a_lone_surrogate_in_chat_does_not_kill_the_game(live_server):
    token = new_game(live_server, seconds=3)
    with ws(live_server, token) as conn:
        read_until(conn, "frame")
        conn.send('{"type": "chat", "text": "\\ud800 hello \\u001b[2J"}')
        end = read_until(conn, "end")
    assert end["summary"]["finished"] and end["summary"]["ticks"] == 30


def test_the_questionnaire_is_validated_and_taken_once(live_server):
    token = new_game(live_server, seconds=1)
    with ws(live_server, token) as conn:
        read_until(conn, "end")
    url = f"{live_server.url}/api/games/{token}/questionnaire"
    assert httpx.post(url, json={"helpful": 9}, timeout=10).status_code == 400
    assert httpx.post(url, json={"helpful": "<img src=x>"}, timeout=10).status_code == 400
    assert httpx.post(url, json={"helpful": 4, "fast": 5}, timeout=10).status_code == 200
    again = httpx.post(url, json={"helpful": 1}, timeout=10)
    assert again.status_code == 409 and "already" in again.json()["detail"]


def test_the_records_list_is_bounded(live_server):
    for _ in range(3):
        with ws(live_server, new_game(live_server, seconds=0.2)) as conn:
            read_until(conn, "summary")
    everything = httpx.get(f"{live_server.url}/api/records", timeout=10).json()
    assert [e["id"] for e in everything] == [3, 2, 1]
    assert [e["id"] for e in httpx.get(f"{live_server.url}/api/records?last=2", timeout=10).json()] == [3, 2]
    assert httpx.get(f"{live_server.url}/api/records?last=0", timeout=10).status_code == 400
