"""What a mind call costs under the virtual clock: fixed, measured, or per token."""

from __future__ import annotations

import pytest

from dualmind.agents.mind_agent import MindAgent, MindConfig, latency_model
from dualmind.agents.minds import MindOutput
from dualmind.llm.rates import CPU_RATES, cpu_latency, fit
from dualmind.runtime.scheduler import LatencyModel, VirtualScheduler


def test_minus_one_means_measured_not_minus_one_second():
    # `eval --slow-latency -1` once charged -1 s, so every call came back a tick later.
    assert latency_model(-1, "slow") == LatencyModel(None)
    assert latency_model(-1.0, "fast").charge(0.7) == pytest.approx(0.7)
    assert latency_model(None, "fast").seconds is None
    assert latency_model(4.0, "slow").charge(0.01) == 4.0


def test_tokens_charge_each_call_its_tokens():
    model = latency_model("tokens", "slow")
    overhead, per_prompt, per_generated = CPU_RATES["slow"]
    assert per_prompt > 0 and per_generated > 0
    assert model.charge(99.0, 100, 10) == pytest.approx(overhead + 100 * per_prompt + 10 * per_generated)
    # The machine's load (the measured 99 s) does not enter: the same tokens, the same charge.
    assert model.charge(0.01, 100, 10) == model.charge(99.0, 100, 10)
    assert cpu_latency("fast").charge(0.0, 40, 2) < model.charge(0.0, 40, 2)  # the 0.5B is cheaper


def test_virtual_scheduler_holds_a_result_back_by_its_tokens():
    sched = VirtualScheduler(0.1, {"slow": LatencyModel(0.0, per_prompt_token=0.01, per_generated_token=0.1)})
    sched.submit("slow", 10, lambda: MindOutput(tokens=(100, 5)))  # 1 s + 0.5 s
    assert sched.poll("slow", 24) is None
    record = sched.poll("slow", 25)
    assert record is not None and record.tokens == (100, 5) and record.latency_s == pytest.approx(1.5)


def test_the_agent_uses_the_configured_models():
    agent = MindAgent("hla", MindConfig(slow="rules", slow_latency="tokens", fast_latency=-1))
    models = agent.latency_models()
    assert models["slow"] == cpu_latency("slow")
    assert models["fast"].seconds is None


def test_fit_recovers_known_rates():
    rows = [(0.1 + 0.02 * p + 0.05 * g, p, g) for p, g in [(0, 2), (10, 2), (40, 0), (25, 7), (5, 30)]]
    a, b, c = fit(rows)
    assert (a, b, c) == pytest.approx((0.1, 0.02, 0.05), abs=1e-6)
