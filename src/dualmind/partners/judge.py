"""The compliance judge: from a recorded game, did the agent do what it was asked, and how
fast?

For every message with a request, the window runs from the message to the next message
(or the end). Progress and completion are read from the game's events by the agent (so
the judge scores any agent, with or without macro actions): chopping a tomato
progresses and completes ``chop(tomato)``, a Bob soup starting to cook completes
``cook(bob)``, and so on. A message's compliance is completions / required, capped at
1 (a standing order needs 2; "do the rest" needs 1 of the listed soups); a question
complies when the agent's reply in the window names every expected word. A request that
a newer request (or the end of the game) cut short before a willing partner could finish it
(a fire alarm in the middle of "cook a Bob soup") is marked superseded and left out of the rate, unless it was
already done. So is a request the talker then carried out itself before the agent did
("deliver the Cathy soup", and the human delivers it): there was nothing left to obey.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from dualmind.agents.macros import Macro
from dualmind.game import items
from dualmind.game.events import Event, EventKind
from dualmind.game.state import ChatMessage
from dualmind.partners.talker import STANDING_ROUNDS, TalkRecord, seconds_needed

ACK_SECONDS = 10.0  # a reply this soon after a request counts as acknowledging it


def _progress(macro: Macro, e: Event) -> bool:
    """Does event ``e`` move ``macro`` forward?"""
    verb, arg, k, item, soup = macro.verb, macro.arg, e.kind, e.item, e.soup
    if verb == "chop":
        return (k in (EventKind.TAKE, EventKind.CHOP, EventKind.CHOPPED) and item == arg) or \
            (k == EventKind.PUT_DOWN and item == arg)
    if verb in ("cook", "prepare"):
        wanted = set(items.SOUPS[arg].ingredients)
        if k in (EventKind.ADD_TO_POT, EventKind.COMBINE):
            return set(e.vegetables) <= wanted
        if k in (EventKind.CHOPPED, EventKind.TAKE):
            return item in wanted
        return k == EventKind.COOK_START and soup == arg
    if verb in ("serve", "plate"):
        return (k in (EventKind.PLATE_SOUP, EventKind.SERVE, EventKind.WRONG_DELIVERY) and soup == arg) \
            or (k == EventKind.PICK_UP and item == f"plate of {arg} soup") \
            or (k == EventKind.TAKE and item == "plate")
    if verb == "extinguish":
        return k in (EventKind.SPRAY, EventKind.FIRE_OUT) or \
            (k == EventKind.PICK_UP and item == "extinguisher")
    if verb == "fetch":
        return k in (EventKind.TAKE, EventKind.PICK_UP) and arg in item
    if verb == "pass":
        return k == EventKind.PUT_DOWN
    if verb in ("discard", "clear"):
        return k == EventKind.DISCARD
    return False


def _completes(macro: Macro, e: Event) -> bool:
    """Does event ``e`` finish one round of ``macro``?"""
    verb, arg, k = macro.verb, macro.arg, e.kind
    if verb == "chop":
        return k == EventKind.CHOPPED and e.item == arg
    if verb == "cook":
        return k == EventKind.COOK_START and e.soup == arg
    if verb == "prepare":
        return k == EventKind.COMBINE and e.vegetables == tuple(items.SOUPS[arg].ingredients)
    if verb == "serve":
        return k in (EventKind.SERVE, EventKind.WRONG_DELIVERY) and e.soup == arg
    if verb == "plate":
        return k == EventKind.PLATE_SOUP and e.soup == arg
    if verb == "extinguish":
        return k == EventKind.FIRE_OUT
    return _progress(macro, e)


@dataclass
class MessageScore:
    """How the agent answered one message."""

    tick: int
    text: str
    intent: str
    kind: str
    compliance: float  # 0..1
    first_action_s: float | None  # time to the first compliant action (or reply)
    superseded: bool = False  # cut short by a newer request, or done by the talker: not scored
    first_macro_s: float | None = None  # time until the agent took up a compliant macro
    acknowledged: bool = False  # the agent said something in chat soon after

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass
class JudgeReport:
    """Compliance over a whole game."""

    messages: list[MessageScore] = field(default_factory=list)

    @property
    def scored(self) -> list[MessageScore]:
        return [m for m in self.messages if m.kind != "none" and not m.superseded]

    @property
    def compliance(self) -> float | None:
        """Mean compliance over messages that asked for something (None if none did)."""
        scored = self.scored
        return statistics.mean(m.compliance for m in scored) if scored else None

    def median_first_action_s(self, kinds: tuple[str, ...] = ("short", "long", "infer")) -> float | None:
        times = [m.first_action_s for m in self.messages
                 if m.kind in kinds and m.first_action_s is not None]
        return statistics.median(times) if times else None

    def median_reply_s(self) -> float | None:
        return self.median_first_action_s(("question",))

    def median_first_macro_s(self) -> float | None:
        times = [m.first_macro_s for m in self.messages
                 if m.kind in ("short", "long", "infer") and m.first_macro_s is not None]
        return statistics.median(times) if times else None

    @property
    def acknowledged(self) -> float | None:
        """Share of requests the agent answered in chat within :data:`ACK_SECONDS`."""
        asked = [m for m in self.messages if m.kind in ("short", "long", "infer")]
        return round(sum(m.acknowledged for m in asked) / len(asked), 3) if asked else None

    def summary(self) -> dict:
        c = self.compliance
        return {"compliance": None if c is None else round(c, 3),
                "command_to_action_s": _round(self.median_first_action_s()),
                "command_to_macro_s": _round(self.median_first_macro_s()),
                "reply_latency_s": _round(self.median_reply_s()),
                "acknowledged": self.acknowledged,
                "messages": len(self.messages), "scored_messages": len(self.scored)}


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 2)


def macro_complies(wanted: Macro, taken: Macro) -> bool:
    """Is taking up ``taken`` a step towards ``wanted`` (itself, or chopping for its soup)?"""
    if taken == wanted:
        return True
    if wanted.verb in ("cook", "serve", "plate", "prepare") and taken.verb == "chop":
        return taken.arg in items.SOUPS[wanted.arg].ingredients
    return wanted.verb == "serve" and taken in (Macro("plate", wanted.arg), Macro("cook", wanted.arg))


def judge(talk: Sequence[TalkRecord], events: Sequence[Event], chat: Sequence[ChatMessage],
          agent: int, tick_seconds: float, end_tick: int,
          macros: Sequence[tuple[int, str]] = ()) -> JudgeReport:
    """Score ``agent``'s responses to the talker's messages in one recorded game.

    ``macros`` is the agent's macro log, (tick, macro text) each time it took one up; with
    it, each request also gets the time until the agent first took up a compliant macro.
    """
    from dualmind.agents.macros import parse_macro

    taken = [(t, parse_macro(m)) for t, m in macros]
    mine = [e for e in events if e.player == agent]
    theirs = [e for e in events if e.player == 1 - agent]
    replies = [m for m in chat if m.player == agent]
    report = JudgeReport()
    for i, rec in enumerate(talk):
        until = talk[i + 1].tick if i + 1 < len(talk) else end_tick
        kind = rec.expected.kind
        first: int | None = None
        score = 0.0
        required = 0
        if kind == "question":
            for m in replies:
                if rec.tick <= m.tick < until:
                    text = m.text.lower()
                    if all(word.lower() in text for word in rec.keywords):
                        first, score = m.tick, 1.0
                        break
        elif kind != "none":
            steps = rec.expected.steps
            macros = [s.macro for s in steps]
            if kind == "infer" and len(steps) > 1:
                required = 1  # "you do the rest": any of the listed soups
            else:
                required = sum(STANDING_ROUNDS if s.count is None else s.count for s in steps)
            done = 0
            for e in mine:
                if rec.tick <= e.tick < until:
                    if first is None and any(_progress(m, e) for m in macros):
                        first = e.tick
                    if any(_completes(m, e) for m in macros):
                        done += 1
            score = min(1.0, done / required) if required else 1.0
        nxt = talk[i + 1] if i + 1 < len(talk) else None
        needed = seconds_needed(rec.expected)
        superseded = bool(nxt is not None and nxt.expected.kind in ("short", "long", "infer")
                          and (until - rec.tick) * tick_seconds < needed and score < 1.0)
        # A request the end of the game cut short (a game stopped early with --seconds)
        # could not be carried out either: not the agent's fault.
        superseded = superseded or (nxt is None and (until - rec.tick) * tick_seconds < needed
                                    and score < 1.0)
        if kind in ("short", "infer") and score < 1.0:
            done_by_talker = [e.tick for e in theirs if rec.tick <= e.tick < until
                              and any(_completes(s.macro, e) for s in rec.expected.steps)]
            superseded = superseded or (bool(done_by_talker) and (first is None or
                                                                 done_by_talker[0] <= first))
        first_macro = None
        if kind in ("short", "long", "infer"):
            for t, macro in taken:
                if rec.tick <= t < until and any(macro_complies(s.macro, macro)
                                                 for s in rec.expected.steps):
                    first_macro = (t - rec.tick) * tick_seconds
                    break
        ack_until = rec.tick + round(ACK_SECONDS / tick_seconds)
        acked = any(rec.tick <= m.tick <= ack_until for m in replies)
        report.messages.append(MessageScore(
            rec.tick, rec.text, rec.intent, kind, score,
            None if first is None else (first - rec.tick) * tick_seconds, superseded, first_macro,
            acked))
    return report
