"""The compliance judge is the instrument every agent is measured with: calibrate it."""

from __future__ import annotations

import pytest

from dualmind.game import Kitchen, load_layout
from dualmind.game.events import Event, EventKind
from dualmind.game.state import ChatMessage
from dualmind.partners.judge import judge
from dualmind.partners.player import Imperfection, SimulatedHuman
from dualmind.partners.talker import Talker
from dualmind.runtime.agent import Decision
from dualmind.runtime.match import run_episode
from tests.partners.oracle import Oracle

# For calibration the talker only talks: a partner that also cooks competes for boards and
# pots, and then a miss could be the kitchen's fault rather than the listener's.
FROZEN = Imperfection(pause_chance=1.0, pause_seconds=(10_000.0, 10_000.0))


class Idle:
    """Ignores chat entirely: never moves, never answers."""

    name = "idle"

    def reset(self, kitchen, me, seed):
        pass

    def act(self, state):
        return Decision("stay")


def play_with(layout: str, seed: int, deaf: bool):
    kitchen = Kitchen(load_layout(layout))
    partner = SimulatedHuman(Talker(), FROZEN)
    agent = Idle() if deaf else Oracle(partner)
    events = []
    _, final = run_episode(kitchen, (agent, partner), seed=seed, log=events)
    report = judge(partner.talk_log, events, final.chat, 0, kitchen.settings.tick_seconds, final.tick)
    return report


# Bottleneck is left out: there the frozen talker stands on the only cell in front of the
# lettuce crate, so some requests are impossible for reasons that are not the listener's.
@pytest.mark.parametrize("seed", [0, 3])
@pytest.mark.parametrize("layout", ["ring", "partition", "quick"])
def test_perfect_listener_scores_100_percent(layout, seed):
    report = play_with(layout, seed=seed, deaf=False)
    assert len(report.scored) >= 4
    failures = [(m.text, m.compliance) for m in report.scored if m.compliance < 1.0]
    assert report.compliance == 1.0, failures


@pytest.mark.parametrize("layout", ["ring", "quick"])
def test_listener_that_ignores_chat_scores_near_zero(layout):
    report = play_with(layout, seed=3, deaf=True)
    assert len(report.scored) >= 4 and report.compliance == 0.0


def test_questions_need_a_grounded_reply():
    from dualmind.agents.intention import Intention
    from dualmind.partners.talker import TalkRecord

    talk = [TalkRecord(10, "what are the orders?", "orders", Intention("question", reply="x"),
                       ("bob", "david"))]
    good = [ChatMessage(15, 0, "Bob and David soups")]
    wrong = [ChatMessage(15, 0, "Bob soup"), ChatMessage(16, 1, "bob david")]
    assert judge(talk, [], good, 0, 0.1, 100).compliance == 1.0
    assert judge(talk, [], good, 0, 0.1, 100).messages[0].first_action_s == pytest.approx(0.5)
    assert judge(talk, [], wrong, 0, 0.1, 100).compliance == 0.0


def test_counts_matter_and_only_inside_the_window():
    from dualmind.agents.intention import Intention, Step
    from dualmind.agents.macros import Macro
    from dualmind.partners.talker import TalkRecord

    ask = Intention("short", (Step(Macro("chop", "tomato"), 2),))
    talk = [TalkRecord(0, "chop 2 tomatoes", "chop", ask),
            TalkRecord(100, "never mind", "none", Intention("none"))]
    one = [Event(EventKind.TAKE, 5, 0, "tomato"), Event(EventKind.CHOPPED, 40, 0, "tomato")]
    late = [*one, Event(EventKind.CHOPPED, 150, 0, "tomato")]
    partner_did_it = [Event(EventKind.CHOPPED, 40, 1, "tomato")] * 2
    assert judge(talk, one, [], 0, 0.1, 300).messages[0].compliance == 0.5
    assert judge(talk, late, [], 0, 0.1, 300).messages[0].compliance == 0.5
    assert judge(talk, partner_did_it, [], 0, 0.1, 300).messages[0].compliance == 0.0
    assert judge(talk, one, [], 0, 0.1, 300).messages[0].first_action_s == pytest.approx(0.5)
    assert judge(talk, one, [], 0, 0.1, 300).compliance == 0.5  # "never mind" is not scored
