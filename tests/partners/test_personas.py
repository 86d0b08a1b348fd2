"""Personas are data: built-in files, user files, their validation, and how they play."""

from __future__ import annotations

from collections import Counter

import pytest

from dualmind.agents.macros import all_macros
from dualmind.agents.scripted import ScriptedAgent
from dualmind.game import Kitchen, load_layout
from dualmind.partners.persona import BUILTIN, KINDS, PersonaError, load_persona
from dualmind.partners.player import persona_player
from dualmind.players import make_player
from dualmind.runtime.match import run_episode

VOCABULARY = set(all_macros())


def play(partner, layout="ring", seed=0, seconds=None):
    kitchen = Kitchen(load_layout(layout))
    result, final = run_episode(kitchen, (ScriptedAgent(), partner), seed=seed, seconds=seconds)
    return result, final


def test_every_builtin_persona_loads_with_a_phrase_bank_for_each_of_its_kinds():
    for name in BUILTIN:
        persona = load_persona(name)
        assert persona.style == name
        assert set(persona.phrases) == set(KINDS[name])
        assert 0.2 <= persona.play.actions_per_second <= 10
    assert load_persona("partner") == load_persona("talker")


def test_a_user_persona_file_sets_style_pace_and_words(tmp_path):
    path = tmp_path / "chef.toml"
    path.write_text('''
name = "chef"
style = "leader"
[play]
actions_per_second = 4.0
[phrases]
split_cook = ["you take {yours} while I deal with {mine}"]
split_chop = ["dice {n} {vegs} for my {mine} please"]
''')
    player = make_player(str(path))
    assert player.name == "chef" and player.persona.play.actions_per_second == 4.0
    # Kinds the file leaves out come from the built-in persona of the same style.
    assert player.persona.phrases["thanks"] == load_persona("leader").phrases["thanks"]
    play(player)
    requests = [r for r in player.talk_log if r.intent in ("split_cook", "split_chop")]
    assert requests, "a leader hands work over"
    for r in requests:
        assert r.text.startswith(("you take", "dice"))
        assert r.expected.kind == "short" and all(s.macro in VOCABULARY for s in r.expected.steps)


@pytest.mark.parametrize("text, problem", [
    ('style = "boss"', "style must be one of"),
    ('style = "leader"\n[phrases]\nsplit_cook = ["cook {soup}"]', "uses {soup}"),
    ('style = "asker"\n[phrases]\nsplit_cook = ["x"]', "sends no 'split_cook'"),
    ('style = "leader"\n[play]\nactions_per_second = 50', "between 0.2 and 10"),
    ('style = "leader"\n[play]\nspeed = 2', "unknown key"),
    ('style = "leader"\n[talk]\nevery_seconds = [5, 1]', "low <= high"),
])
def test_a_bad_persona_file_is_refused_with_the_reason(tmp_path, text, problem):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(PersonaError, match=r"bad\.toml") as err:
        load_persona(str(path))
    assert problem in str(err.value)


def test_unknown_persona_names_the_choices():
    with pytest.raises(PersonaError, match="leader"):
        load_persona("boss")
    with pytest.raises(PersonaError, match="cannot read"):
        load_persona("/nonexistent/p.toml")


@pytest.mark.parametrize("name", ["leader", "novice"])
def test_a_persona_acts_no_faster_than_its_rate(name):
    partner = persona_player(name)
    kitchen = Kitchen(load_layout("ring"))  # player 1 may act every tick (a keyboard)
    agent = ScriptedAgent()
    state = kitchen.reset(0)
    agent.reset(kitchen, 0, 0)
    partner.reset(kitchen, 1, 1)
    acted = 0
    for _ in range(600):
        before = state.players[1].last_action_tick
        state, _ = kitchen.step(state, (agent.act(state).action, partner.act(state).action))
        acted += state.players[1].last_action_tick != before
    seconds = 600 * kitchen.settings.tick_seconds
    assert 0 < acted / seconds <= partner.persona.play.actions_per_second + 1 / seconds


def test_the_leader_delegates_what_the_open_orders_need_and_keeps_its_own_part():
    partner = persona_player("leader")
    play(partner, seed=1)
    kinds = Counter(r.intent for r in partner.talk_log)
    assert kinds["split_cook"] + kinds["split_chop"] >= 3, kinds
    for r in partner.talk_log:
        if r.intent == "split_cook":
            handed = r.expected.steps[0].macro
            assert handed.verb == "cook"
            assert handed.arg.lower() in r.text.lower()


def test_the_leader_cooks_soups_itself_too():
    partner = persona_player("leader")
    result, _ = play(partner, seed=2)
    assert result.served >= 3


def test_the_asker_asks_for_vegetables_and_questions_with_checkable_answers():
    asked = Counter()
    for seed in range(3):
        partner = persona_player("asker")
        play(partner, seed=seed)
        for r in partner.talk_log:
            asked[r.intent] += 1
            if r.expected.kind == "question":
                assert r.keywords and all(w.lower() in r.expected.reply.lower() for w in r.keywords)
            if r.intent == "ask_chop":
                assert r.expected.steps[0].macro.verb == "chop"
                assert r.expected.steps[0].macro.arg in r.text.lower()
    assert asked["ask_chop"] >= 3, asked


def test_the_novice_says_what_it_is_doing_and_is_weaker_than_a_competent_player():
    novice = [play(persona_player("novice"), seed=s)[0].score for s in range(3)]
    silent = [play(persona_player("silent"), seed=s)[0].score for s in range(3)]
    assert sum(novice) < sum(silent)


def test_silent_persona_never_talks():
    partner = persona_player("silent")
    _, final = play(partner, seconds=60)
    assert not final.chat and not partner.talk_log
