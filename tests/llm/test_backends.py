"""The backend protocol: answers are parsed and checked; every failure is a typed error."""

from __future__ import annotations

import json

import pytest

from dualmind.errors import BackendOutputError, BackendTimeout, BackendUnavailable
from dualmind.llm.openai_http import OpenAICompatibleBackend
from dualmind.llm.protocol import Choices, JsonSchema, Message, parse_answer, schema_problem
from tests.llm.fake_server import Misbehaving

ASK = [Message("user", "pick one")]
CHOICES = Choices(("none", "chop", "cook"))


def test_parse_choices():
    assert parse_answer("chop", CHOICES) == "chop"
    assert parse_answer('{"choice": "cook"}', CHOICES) == "cook"
    with pytest.raises(BackendOutputError, match="not one of"):
        parse_answer("bake", CHOICES)


def test_schema_checks():
    schema = {"type": "object", "required": ["kind"], "properties": {
        "kind": {"type": "string", "enum": ["none", "short"]},
        "count": {"type": ["integer", "null"], "minimum": 1}}}
    assert schema_problem({"kind": "short", "count": None}, schema) is None
    assert "missing" in schema_problem({}, schema)
    assert "allowed" in schema_problem({"kind": "long"}, schema)
    assert schema_problem({"kind": "none", "count": 0}, schema)
    with pytest.raises(BackendOutputError, match="not JSON"):
        parse_answer("{oops", JsonSchema(schema))


@pytest.fixture
def server(request):
    s = Misbehaving(request.param)
    yield s
    s.close()


def backend(server, **kw):
    return OpenAICompatibleBackend(base_url=server.url, model="m", backoff_s=0.01, **kw)


@pytest.mark.parametrize("server", [[("ok", '{"choice": "chop"}')]], indirect=True)
def test_answer_with_tokens_and_latency(server):
    c = backend(server).complete(ASK, CHOICES, timeout=5)
    assert c.value == "chop" and c.prompt_tokens == 11 and c.completion_tokens == 3 and c.latency_s > 0
    assert server.requests[0]["response_format"]["type"] == "json_schema"


@pytest.mark.parametrize("server", [[("500",), ("500",), ("ok", '{"choice": "cook"}')]], indirect=True)
def test_retries_server_errors(server):
    assert backend(server, retries=2).complete(ASK, CHOICES, timeout=5).value == "cook"
    assert len(server.requests) == 3


@pytest.mark.parametrize("server", [[("500",)] * 5], indirect=True)
def test_gives_up_with_a_typed_error(server):
    with pytest.raises(BackendUnavailable, match="HTTP 500"):
        backend(server, retries=1).complete(ASK, CHOICES, timeout=5)
    assert len(server.requests) == 2  # bounded: one try and one retry


@pytest.mark.parametrize("server", [[("sleep", 2.0)]], indirect=True)
def test_timeout(server):
    with pytest.raises(BackendTimeout):
        backend(server).complete(ASK, CHOICES, timeout=0.3)


@pytest.mark.parametrize("server", [[("garbage",)] * 3], indirect=True)
def test_garbage_is_unavailable_not_a_crash(server):
    with pytest.raises(BackendUnavailable, match="not JSON"):
        backend(server, retries=2).complete(ASK, CHOICES, timeout=5)


@pytest.mark.parametrize("server", [[("ok", "bake a cake"), ("ok", '{"choice": "none"}')]], indirect=True)
def test_invalid_answer_is_asked_again_once(server):
    assert backend(server).complete(ASK, CHOICES, timeout=5).value == "none"
    assert "not valid" in server.requests[1]["messages"][-1]["content"]


@pytest.mark.parametrize("server", [[("ok", "no"), ("ok", "still no")]], indirect=True)
def test_second_invalid_answer_raises(server):
    with pytest.raises(BackendOutputError):
        backend(server).complete(ASK, CHOICES, timeout=5)


@pytest.mark.parametrize("server", [[("400",), ("400",), ("ok", '{"choice": "chop"}')]], indirect=True)
def test_falls_back_when_structured_output_is_refused(server):
    c = backend(server).complete(ASK, CHOICES, timeout=5)
    assert c.value == "chop" and c.meta["structured"] == "none"
    kinds = [r.get("response_format", {}).get("type") for r in server.requests]
    assert kinds == ["json_schema", "json_object", None]


def test_connection_refused_is_unavailable():
    b = OpenAICompatibleBackend(base_url="http://127.0.0.1:9/v1", retries=1, backoff_s=0.01)
    with pytest.raises(BackendUnavailable, match="cannot reach"):
        b.complete(ASK, CHOICES, timeout=3)


def test_missing_configuration_says_what_to_set(monkeypatch):
    monkeypatch.delenv("DUALMIND_BASE_URL", raising=False)
    with pytest.raises(BackendUnavailable, match="DUALMIND_BASE_URL"):
        OpenAICompatibleBackend()


# ---------------------------------------------------------------- total deadline (issue 15)
class Trickler:
    """A loopback server that answers every request with headers promising a long body,
    then one byte every ``gap`` seconds for up to ``forever`` seconds: a per-read timeout
    never fires against it."""

    def __init__(self, gap: float = 0.2, forever: float = 60.0, body_bytes: int = 10_000,
                 piece: bytes = b" "):
        import socket
        import threading

        self.gap, self.forever, self.body_bytes, self.piece = gap, forever, body_bytes, piece
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/v1"
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        import threading

        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn):
        import time as t

        with conn:
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: " + str(self.body_bytes).encode() + b"\r\n\r\n")
                end = t.monotonic() + self.forever
                while t.monotonic() < end and not self.stop.is_set():
                    conn.sendall(self.piece)
                    t.sleep(self.gap)
            except OSError:
                pass

    def close(self):
        self.stop.set()
        self.sock.close()


def test_a_trickling_server_cannot_outlast_the_deadline():
    import time as t

    trickler = Trickler(gap=0.2, forever=60.0)
    try:
        b = OpenAICompatibleBackend(base_url=trickler.url, model="m", backoff_s=0.01)
        start = t.monotonic()
        with pytest.raises(BackendTimeout):
            b.complete(ASK, CHOICES, timeout=1.0)
        # The trickle would go on for a minute; the one-second deadline holds (generous
        # margin for a loaded machine, still far below the trickle).
        assert t.monotonic() - start < 10.0
    finally:
        trickler.close()


def test_format_fallbacks_share_one_deadline():
    """Each refusal of a response_format is a new request: together they still get one
    deadline, not one each."""
    import threading
    import time as t
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen = []

    class SlowRefusal(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            seen.append(t.monotonic())
            t.sleep(0.6)
            self.send_response(400)
            self.end_headers()
            self.wfile.write(b'{"error": "no response_format here"}')

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), SlowRefusal)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        b = OpenAICompatibleBackend(base_url=f"http://127.0.0.1:{httpd.server_address[1]}/v1", model="m")
        start = t.monotonic()
        with pytest.raises(BackendTimeout):
            b.complete(ASK, CHOICES, timeout=1.0)  # three formats x 0.6 s would be 1.8 s
        # One deadline for all: the third format is never tried. (How many requests fit in
        # the second is the machine's business: on a loaded one the first took it all.)
        assert 1 <= len(seen) <= 2 and t.monotonic() - start < 1.6
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_an_endless_answer_is_refused():
    trickler = Trickler(gap=0.0, forever=30.0, body_bytes=50_000_000, piece=b" " * 65536)
    try:
        b = OpenAICompatibleBackend(base_url=trickler.url, model="m", retries=0)
        with pytest.raises(BackendUnavailable, match="more than"):
            b.complete(ASK, CHOICES, timeout=20.0)
    finally:
        trickler.close()


def test_the_exchange_runs_in_a_daemon_thread():
    """A stuck call must never keep the process alive at exit."""
    import threading

    trickler = Trickler(gap=0.2, forever=60.0)
    try:
        b = OpenAICompatibleBackend(base_url=trickler.url, model="m", retries=0)
        with pytest.raises(BackendTimeout):
            b.complete(ASK, CHOICES, timeout=0.5)
        stuck = [t for t in threading.enumerate() if t.name == "openai-http"]
        assert stuck and all(t.daemon for t in stuck)
    finally:
        trickler.close()


@pytest.mark.slow
def test_play_exits_when_the_game_ends_even_with_a_mind_stuck_in_a_call():
    """A mind waiting on a server that trickles forever used to keep `play` alive after
    the game (non-daemon pool threads, no total deadline)."""
    import os
    import subprocess
    import sys
    import time as t

    trickler = Trickler(gap=0.5, forever=300.0)
    env = {**os.environ, "DUALMIND_BASE_URL": trickler.url}
    try:
        start = t.monotonic()
        # The partner first talks at 5.1 s (seed 0): the slow mind's call is in flight at 8 s.
        proc = subprocess.run(
            [sys.executable, "-m", "dualmind.cli", "play", "--layout", "ring", "--agents", "hla,partner",
             "--backend", "openai", "--clock", "wall", "--seconds", "8", "--json"],
            capture_output=True, text=True, env=env, timeout=120)
        took = t.monotonic() - start
    finally:
        trickler.close()
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["ticks"] == 80
    # The trickle goes on for 300 s; the process ends with the game (start-up included).
    assert took < 60, f"play took {took:.0f} s to exit"


@pytest.mark.parametrize("server", [[("ok", '{"choice": "split"}')]], indirect=True)
def test_openai_backend_reads_with_the_llm_slow_minds_own_prompt(server):
    from dualmind.agents.language.context import Context
    from dualmind.agents.language.interpreters import make_interpreter

    slow = make_interpreter("openai", base_url=server.url, model="m")
    got = slow.interpret("I'll do the alice, you do the rest", Context(("alice", "bob", "cathy")))
    assert got.intent == "split" and "Alice" in got.intention.reply
    sent = server.requests[0]["messages"]
    # The shipped few-shot prompt (instructions, worked examples as turns), not a bare question.
    assert sent[0]["role"] == "system" and "teammate of a human" in sent[0]["content"]
    assert len(sent) > 20 and "I'll do the alice" in sent[-1]["content"]
