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


RING_TICK = Kitchen(load_layout("ring")).settings.tick_seconds


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
    # TOML reads inf and nan: they overflowed the tick counts with a traceback.
    ('style = "leader"\n[talk]\npatience_seconds = inf', "must be a number >= 0"),
    ('style = "leader"\n[play]\nreaction_seconds = nan', "must be a number >= 0"),
    ('style = "leader"\n[talk]\nfirst_seconds = 1e300', "at most 3600 seconds"),
    ('style = "leader"\n[play]\npause_seconds = [1, inf]', "low <= high"),
    ('name = "x"', "no style"),
    ('style = "asker"\n[phrases]\nreplan = ["x"]', "an asker sends no 'replan'"),
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


def _cook_starts(events, player):
    from dualmind.game.events import EventKind

    return [(e.tick, e.soup) for e in events if e.kind == EventKind.COOK_START and e.player == player]


def test_the_talker_leaves_the_soup_it_asked_for_to_the_agent():
    """Whoever asks "cook a Bob soup" and then cooks Bob themselves duplicates the work
    they asked for: the talker leaves a requested soup alone for its patience."""
    from dualmind.partners.persona import load_persona

    patience = round(load_persona("talker").talk.patience_seconds / RING_TICK)
    asked = 0
    for seed in range(3):
        partner = persona_player("talker")
        kitchen = Kitchen(load_layout("ring"))
        events = []
        run_episode(kitchen, (ScriptedAgent(), partner), seed=seed, log=events)
        mine = _cook_starts(events, 1)
        for r in partner.talk_log:
            for step in r.expected.steps:
                if step.macro.verb == "cook" and r.expected.kind in ("short", "infer"):
                    asked += 1
                    assert not [t for t, soup in mine if soup == step.macro.arg
                                and r.tick <= t < r.tick + patience], (r.text, mine)
    assert asked >= 2


def test_the_leader_does_not_take_back_a_soup_the_agent_put_on():
    """A hand-over the agent carried out (a pot of that soup started after the request,
    even when a second order of the soup is open) is never followed by "I'll do it
    myself", and a soup is not handed over twice before a pot of it went on."""
    from dualmind.agents.mind_agent import MindAgent, MindConfig
    from dualmind.game.events import EventKind

    for seed in range(3):
        partner = persona_player("leader")
        kitchen = Kitchen(load_layout("ring"))
        events = []
        agent = MindAgent("hla", MindConfig(slow="rules", fast="rules"))
        run_episode(kitchen, (agent, partner), seed=seed, log=events)
        agents = _cook_starts(events, 0)
        everyone = _cook_starts(events, 0) + _cook_starts(events, 1)
        last = None
        for r in partner.talk_log:
            if r.intent == "split_cook":
                soup = r.expected.steps[0].macro.arg
                if last is not None and last.expected.steps[0].macro.arg == soup:
                    # The same soup again: only once a pot of it went on for the first
                    # request (a second order), after giving the first one up, or for an
                    # order of it that opened since.
                    opened = [e for e in events if e.kind == EventKind.ORDER_OPENED
                              and e.soup == soup and last.tick <= e.tick <= r.tick]
                    assert opened or [t for t, s in everyone if s == soup and last.tick <= t <= r.tick], \
                        (last.text, r.text)
                last = r
            elif r.intent == "replan" and last is not None:
                soup = last.expected.steps[0].macro.arg
                assert not [t for t, s in agents if s == soup and last.tick <= t <= r.tick], \
                    (last.text, r.text)
                last = None
