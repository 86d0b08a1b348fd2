"""A backend for any OpenAI-compatible chat-completions server (vLLM, Ollama, llama.cpp's
server, hosted APIs), over HTTP with ``httpx``.

Configuration comes from arguments or the environment: ``DUALMIND_BASE_URL`` (e.g.
``http://127.0.0.1:8080/v1``), ``DUALMIND_MODEL``, ``DUALMIND_API_KEY``. Every
``complete`` call has one total deadline, ``timeout``, covering connecting, every retry,
every re-ask and reading the whole answer: the exchange runs in a daemon thread and the
caller stops waiting at the deadline, so a server that trickles one byte a second (which
resets any per-read timeout) costs ``timeout`` and no more, and a hung server never keeps
the process alive. Connection failures and HTTP 5xx are retried a bounded number of times
with exponential backoff inside the deadline. Answers over ``MAX_RESPONSE_BYTES`` are
refused. Structured output uses the server's ``response_format`` when the server takes
it (OpenAI's ``json_schema``, else llama.cpp's ``json_object`` with a schema); a server
that takes neither gets the schema in the prompt, and a malformed answer is re-asked
once before :class:`~dualmind.errors.BackendOutputError` is raised.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

from dualmind.errors import BackendOutputError, BackendTimeout, BackendUnavailable
from dualmind.llm.protocol import Completion, Constraint, JsonSchema, Message, parse_answer

MAX_RESPONSE_BYTES = 1_000_000
STRUCTURED_MODES = ("json_schema", "json_object", "none")


def as_schema(constraint: Constraint) -> JsonSchema:
    """Choices become an object with one enumerated field, so every server sees JSON."""
    if isinstance(constraint, JsonSchema):
        return constraint
    return JsonSchema({"type": "object", "properties": {
        "choice": {"type": "string", "enum": list(constraint.options)}}, "required": ["choice"]},
        name="choice")


class OpenAICompatibleBackend:
    """Chat completions over HTTP; see the module docstring for configuration."""

    name = "openai"

    def __init__(self, base_url: str | None = None, model: str | None = None,
                 api_key: str | None = None, retries: int = 2, backoff_s: float = 0.5,
                 max_tokens: int = 200, temperature: float = 0.0, structured: str = "auto"):
        self.base_url = (base_url or os.environ.get("DUALMIND_BASE_URL") or "").rstrip("/")
        if not self.base_url:
            raise BackendUnavailable(
                "no server configured: pass base_url or set DUALMIND_BASE_URL "
                "(e.g. http://127.0.0.1:8080/v1)")
        self.model = model or os.environ.get("DUALMIND_MODEL") or "default"
        self.api_key = api_key or os.environ.get("DUALMIND_API_KEY") or ""
        self.retries, self.backoff_s = retries, backoff_s
        self.max_tokens, self.temperature = max_tokens, temperature
        if structured not in ("auto", *STRUCTURED_MODES):
            raise ValueError(f"structured must be auto or one of {STRUCTURED_MODES}")
        self._modes = list(STRUCTURED_MODES) if structured == "auto" else [structured]
        try:
            import httpx
        except ImportError:
            raise BackendUnavailable("the openai backend needs httpx: pip install httpx") from None
        self._httpx = httpx
        self._http: Any = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ HTTP
    def _client(self) -> Any:
        """One pooled client per backend (httpx clients are thread-safe)."""
        if self._http is None:
            with self._lock:
                if self._http is None:
                    self._http = self._httpx.Client(
                        limits=self._httpx.Limits(max_connections=16, max_keepalive_connections=4))
        return self._http

    def _exchange(self, body: bytes, headers: dict, deadline: float) -> tuple[int, bytes]:
        """One POST, read whole; also stops by itself at the deadline (between chunks)."""
        httpx = self._httpx
        left = max(0.001, deadline - time.monotonic())
        timeout = httpx.Timeout(left, connect=min(left, 10.0))
        with self._client().stream("POST", f"{self.base_url}/chat/completions", content=body,
                                   headers=headers, timeout=timeout) as response:
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    raise BackendUnavailable(
                        f"{self.base_url} answered more than {MAX_RESPONSE_BYTES:,} bytes")
                if time.monotonic() > deadline:
                    raise BackendTimeout(f"the answer from {self.base_url} outran its deadline")
                chunks.append(chunk)
            return response.status_code, b"".join(chunks)

    def _exchange_before(self, body: bytes, headers: dict, deadline: float) -> tuple[int, bytes]:
        """``_exchange`` in a daemon thread, waited for until ``deadline`` at most.

        Per-read timeouts cannot bound a trickling server, so the caller waits on the
        thread instead; an abandoned exchange ends on its own (its read timeout is the
        time that was left) and, being a daemon, never holds the process open.
        """
        box: dict[str, Any] = {}
        done = threading.Event()

        def work() -> None:
            try:
                box["value"] = self._exchange(body, headers, deadline)
            except BaseException as e:  # handed to the caller below
                box["error"] = e
            finally:
                done.set()

        threading.Thread(target=work, name="openai-http", daemon=True).start()
        if not done.wait(max(0.0, deadline - time.monotonic())):
            raise BackendTimeout(f"no answer from {self.base_url} in time")
        if "error" in box:
            raise box["error"]
        return box["value"]

    def _post(self, payload: dict, deadline: float) -> dict:
        """POST with bounded retries on connection failures and 5xx, all before ``deadline``."""
        httpx = self._httpx
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            if deadline - time.monotonic() <= 0:
                break
            try:
                status, data = self._exchange_before(body, headers, deadline)
            except httpx.TimeoutException:
                raise BackendTimeout(f"no answer from {self.base_url} in time") from None
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError,
                    httpx.WriteError) as e:
                last = BackendUnavailable(f"cannot reach {self.base_url}: {e}")
            except httpx.HTTPError as e:
                last = BackendUnavailable(f"cannot talk to {self.base_url}: {e}")
            else:
                if status >= 400:
                    detail = data[:600].decode(errors="replace")
                    # A request the server will never take: a 4xx, or (llama.cpp's server) a
                    # 500 that is really a validation error of our response_format.
                    if status < 500 or "response_format" in detail:
                        raise _ClientError(status, detail)
                    last = BackendUnavailable(f"HTTP {status} from {self.base_url}: {detail}")
                else:
                    try:
                        return json.loads(data)
                    except ValueError:
                        last = BackendUnavailable(f"{self.base_url} answered something that is not JSON")
            if attempt < self.retries:
                time.sleep(min(self.backoff_s * 2**attempt, max(0.0, deadline - time.monotonic())))
        if time.monotonic() >= deadline and last is None:
            raise BackendTimeout(f"no answer from {self.base_url} in time")
        raise last or BackendUnavailable(f"no answer from {self.base_url}")

    def _payload(self, messages: list[Message], schema: JsonSchema, mode: str) -> dict:
        payload: dict = {"model": self.model, "messages": [m.to_json() for m in messages],
                         "max_tokens": self.max_tokens, "temperature": self.temperature}
        if mode == "json_schema":
            payload["response_format"] = {"type": "json_schema", "json_schema": {
                "name": schema.name, "schema": schema.schema, "strict": True}}
        elif mode == "json_object":
            payload["response_format"] = {"type": "json_object", "schema": schema.schema}
        else:
            payload["messages"] = [*payload["messages"], {"role": "user", "content": (
                "Answer with JSON only, matching this JSON schema: " + json.dumps(schema.schema))}]
        return payload

    # ------------------------------------------------------------------ protocol
    def complete(self, messages: list[Message], constraint: Constraint,
                 timeout: float = 30.0) -> Completion:
        if not (timeout > 0 and timeout < float("inf")):
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
        schema = as_schema(constraint)
        start = time.perf_counter()
        deadline = time.monotonic() + timeout  # one deadline for every try and re-ask
        asked = 0
        while True:
            mode = self._modes[0]
            try:
                data = self._post(self._payload(messages, schema, mode), deadline)
            except _ClientError as e:
                refused_format = e.code in (400, 422) or "response_format" in e.detail
                if refused_format and len(self._modes) > 1 and mode != "none":
                    self._modes.pop(0)  # the server does not take this response_format
                    continue
                raise BackendUnavailable(f"HTTP {e.code} from {self.base_url}: {e.detail}") from None
            asked += 1
            try:
                text = data["choices"][0]["message"]["content"] or ""
            except (KeyError, IndexError, TypeError):
                raise BackendOutputError(f"unexpected response shape: {str(data)[:200]}") from None
            usage = data.get("usage") or {}
            try:
                value = parse_answer(text, constraint)
            except BackendOutputError:
                if asked >= 2:
                    raise
                messages = [*messages, Message("assistant", text), Message(
                    "user", "That was not valid. Reply with JSON only, exactly as the schema says.")]
                continue
            return Completion(text, value, time.perf_counter() - start,
                              int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0)),
                              backend=self.name, meta={"structured": mode, "asked": asked})


class _ClientError(Exception):
    def __init__(self, code: int, detail: str):
        self.code, self.detail = code, detail
