"""The backend protocol: answers are parsed and checked; every failure is a typed error."""

from __future__ import annotations

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
