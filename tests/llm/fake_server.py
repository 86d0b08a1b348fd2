"""A loopback HTTP server that misbehaves on purpose (test double for fault tests)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Misbehaving:
    """Serves /v1/chat/completions with a scripted list of behaviours, one per request:
    ("ok", text) | ("500",) | ("garbage",) | ("sleep", seconds) | ("400",)."""

    def __init__(self, script):
        self.script = list(script)
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(body)
                action = outer.script.pop(0) if outer.script else ("500",)
                if action[0] == "sleep":
                    time.sleep(action[1])
                    action = ("ok", '{"choice": "none"}')
                if action[0] in ("500", "400"):
                    self.send_response(int(action[0]))
                    self.end_headers()
                    self.wfile.write(b'{"error": "on purpose"}')
                    return
                payload = b"<html>not json" if action[0] == "garbage" else json.dumps({
                    "choices": [{"message": {"role": "assistant", "content": action[1]}}],
                    "usage": {"prompt_tokens": 11, "completion_tokens": 3}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
