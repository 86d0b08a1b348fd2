"""End-of-episode figures every game gets, whichever way it is played.

The episode driver (:class:`dualmind.runtime.match.Match`) calls each function of
:data:`SUMMARIZERS` with the finished episode and merges what it returns into the
summary; ``play``, ``eval``, the benchmarks and the browser all pass this same list, so
their summaries have the same keys. A summarizer returns the same keys every time (None
for what it cannot compute). Add new ones (team metrics...) to :data:`SUMMARIZERS`.

Lives above ``agents`` and ``partners`` because it uses both (the interpreter, the judge).
"""

from __future__ import annotations

from typing import Any

from dualmind.agents.executor import deadlock_summary
from dualmind.errors import DualmindError
from dualmind.partners.judge import JudgeReport, judge
from dualmind.partners.talker import TalkRecord
from dualmind.runtime.match import EpisodeView, Summarizer
from dualmind.runtime.team import team_summary

NAMES_IN_REPLIES = ("alice", "bob", "cathy", "david", "lettuce", "onion", "tomato")
"""Words a grounded reply may need to contain (soup names and vegetables)."""


def compliance(view: EpisodeView) -> dict[str, Any]:
    """Did the agent do what its partner asked, and how fast (see ``partners.judge``)?

    A simulated partner (a :class:`~dualmind.runtime.agent.TalkingPlayer`) keeps the ground
    truth of every message: the judge scores the other player against it
    (``compliance_source: simulated``). Messages from a player without ground truth (a real
    human in the browser) are first read by the learned interpreter, in the context they
    were sent in (``compliance_source: interpreted``). None when nobody asked anything.
    """
    tick_s = view.kitchen.settings.tick_seconds
    for speaker, caps in enumerate(view.capabilities):
        if caps.talker is not None and caps.talker.talk_log:
            agent = 1 - speaker
            report = judge(caps.talker.talk_log, view.events, view.final.chat, agent, tick_s,
                           view.final.tick, view.macros(agent))
            return {**report.summary(), "compliance_source": "simulated"}
    for speaker, caps in enumerate(view.capabilities):
        if caps.talker is None and caps.mind is None and any(
                line.player == speaker for line in view.chat):
            agent = 1 - speaker
            talk = interpret_chat(view, speaker, agent)
            if talk is not None:
                report = judge(talk, view.events, view.final.chat, agent, tick_s, view.final.tick,
                               view.macros(agent))
                return {**report.summary(), "compliance_source": "interpreted"}
    return {**JudgeReport().summary(), "compliance_source": None}


def interpret_chat(view: EpisodeView, speaker: int, agent: int) -> list[TalkRecord] | None:
    """What ``speaker`` asked, as the learned interpreter reads each message in the state
    it was sent in and the agent's intention then; None if no interpreter can load here."""
    from dualmind.agents.language.context import Context
    from dualmind.agents.mind_agent import shared_interpreter

    try:
        reader = shared_interpreter("learned")
    except (ImportError, OSError, DualmindError):
        return None
    talk = []
    for line in view.chat:
        if line.player != speaker:
            continue
        agent_view = line.views[agent]
        ctx = Context.from_state(view.kitchen, line.before,
                                 agent_view.intention if agent_view is not None else None)
        got = reader.interpret(line.text, ctx)
        words = got.intention.reply.replace(".", " ").replace(",", " ").split()
        keywords = tuple(w for w in words if w.lower() in NAMES_IN_REPLIES)
        talk.append(TalkRecord(line.tick, line.text, got.intent, got.intention, keywords))
    return talk


SUMMARIZERS: list[Summarizer] = [compliance, team_summary, deadlock_summary]
"""What every game's summary gets, in order (later ones win on a key clash)."""
