"""Simulated partners: they play imperfectly, talk in varied words, and say what they mean."""

from __future__ import annotations

from collections import Counter

from dualmind.agents.macros import all_macros
from dualmind.agents.scripted import ScriptedAgent
from dualmind.game import Kitchen, load_layout
from dualmind.partners.player import Imperfection, SimulatedHuman, silent_partner, talking_partner
from dualmind.partners.talker import load_phrases
from dualmind.runtime.match import run_episode


def test_phrase_bank_has_dozens_of_wordings_per_kind():
    phrases = load_phrases()
    by_kind: Counter = Counter()
    for section in phrases.values():
        by_kind[section["kind"]] += len(section["phrases"])
        assert len(set(section["phrases"])) == len(section["phrases"]), "duplicate phrasing"
    assert set(by_kind) == {"none", "short", "infer", "long", "question"}
    assert all(n >= 20 for n in by_kind.values()), by_kind


def games(partner_factory, seeds=range(4), layout="ring"):
    kitchen = Kitchen(load_layout(layout))
    out = []
    for seed in seeds:
        partner = partner_factory()
        result, final = run_episode(kitchen, (ScriptedAgent(), partner), seed=seed)
        out.append((partner, result, final))
    return out


def test_talking_partner_covers_every_kind_with_valid_ground_truth():
    kinds, intents, texts = Counter(), Counter(), set()
    vocabulary = set(all_macros())
    for partner, _, final in games(talking_partner, seeds=range(6)):
        assert [m.text for m in final.chat if m.player == 1] == [r.text for r in partner.talk_log]
        for r in partner.talk_log:
            kinds[r.expected.kind] += 1
            intents[r.intent] += 1
            texts.add(r.text)
            assert all(s.macro in vocabulary for s in r.expected.steps)
            if r.expected.kind == "question":
                assert r.keywords and all(w.lower() in r.expected.reply.lower() for w in r.keywords)
            elif r.expected.kind != "none":
                assert r.expected.steps
    assert set(kinds) == {"none", "short", "infer", "long", "question"}, kinds
    assert len(texts) >= 25  # varied wordings, not one per kind


def test_silent_partner_never_talks_but_plays():
    for partner, result, final in games(silent_partner, seeds=range(2)):
        assert not final.chat and not partner.talk_log
        assert result.event_counts.get("take", 0) > 0


def test_simulated_human_acts_no_faster_than_its_speed():
    kitchen = Kitchen(load_layout("ring"))  # player 1 may act every tick (a keyboard)
    agent, human = ScriptedAgent(), SimulatedHuman(imperfection=Imperfection(speed=2.0))
    state = kitchen.reset(0)
    agent.reset(kitchen, 0, 0)
    human.reset(kitchen, 1, 1)
    acted = 0
    for _ in range(600):
        before = state.players[1].last_action_tick
        state, _ = kitchen.step(state, (agent.act(state).action, human.act(state).action))
        acted += state.players[1].last_action_tick != before
    seconds = 600 * kitchen.settings.tick_seconds
    assert 0 < acted / seconds <= 2.0 + 1e-9


def test_partners_are_reproducible_by_seed():
    a = [r.text for r in games(talking_partner, seeds=[5])[0][0].talk_log]
    b = [r.text for r in games(talking_partner, seeds=[5])[0][0].talk_log]
    c = [r.text for r in games(talking_partner, seeds=[6])[0][0].talk_log]
    assert a == b and a != c
