"""A backend for any OpenAI-compatible chat-completions server (vLLM, Ollama, llama.cpp's
server, hosted APIs), over plain HTTP with the standard library.

Configuration comes from arguments or the environment: ``DUALMIND_BASE_URL`` (e.g.
``http://127.0.0.1:8080/v1``), ``DUALMIND_MODEL``, ``DUALMIND_API_KEY``. Requests time out;
connection failures and HTTP 5xx are retried a bounded number of times with exponential
backoff. Structured output uses the server's ``response_format`` when the server takes
it (OpenAI's ``json_schema``, else llama.cpp's ``json_object`` with a schema); a server
that takes neither gets the schema in the prompt, and a malformed answer is re-asked
once before :class:`~dualmind.errors.BackendOutputError` is raised.
"""

from __future__ import annotations

import json
import os
import socket
import time
import urllib.error
import urllib.request

from dualmind.errors import BackendOutputError, BackendTimeout, BackendUnavailable
from dualmind.llm.protocol import Completion, Constraint, JsonSchema, Message, parse_answer

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

    # ------------------------------------------------------------------ HTTP
    def _post(self, payload: dict, timeout: float) -> dict:
        """POST with bounded retries on connection failures and 5xx."""
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            request = urllib.request.Request(f"{self.base_url}/chat/completions", body, headers)
            try:
                with urllib.request.urlopen(request, timeout=left) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as e:
                detail = e.read()[:600].decode(errors="replace")
                # A request the server will never take: a 4xx, or (llama.cpp's server) a
                # 500 that is really a validation error of our response_format.
                if e.code < 500 or "response_format" in detail:
                    raise _ClientError(e.code, detail) from None
                last = BackendUnavailable(f"HTTP {e.code} from {self.base_url}: {detail}")
            except TimeoutError:
                raise BackendTimeout(f"no answer from {self.base_url} within {timeout:g} s") from None
            except urllib.error.URLError as e:
                if isinstance(e.reason, TimeoutError | socket.timeout):
                    raise BackendTimeout(f"no answer from {self.base_url} within {timeout:g} s") from None
                last = BackendUnavailable(f"cannot reach {self.base_url}: {e.reason}")
            except ValueError:
                last = BackendUnavailable(f"{self.base_url} answered something that is not JSON")
            if attempt < self.retries:
                time.sleep(min(self.backoff_s * 2**attempt, max(0.0, deadline - time.monotonic())))
        if time.monotonic() >= deadline and last is None:
            raise BackendTimeout(f"no answer from {self.base_url} within {timeout:g} s")
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
        schema = as_schema(constraint)
        start = time.perf_counter()
        asked = 0
        while True:
            mode = self._modes[0]
            try:
                data = self._post(self._payload(messages, schema, mode), timeout)
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
