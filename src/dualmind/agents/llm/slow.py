"""The LLM Slow Mind: Qwen2.5-Coder-1.5B reads the human's message in the game's context.

The model does what rules cannot: it decides what the message asks for, among a closed
set of intents (:data:`LABELS`: chop, more, keep, cook, serve, split "I do X, you do the
rest", assign "you do X, I do the rest", urgent, bring, discard, clear, two steps, the
two questions, none). Its answer is constrained at decode time to exactly one label, so
it is short (1-3 tokens) and always inside the vocabulary. The slots (which vegetable,
soup, count, order) are then read by rule and grounded in the context
(:func:`~dualmind.agents.language.coverage.ground`), which is exact where a small model
guesses, and the reply is written from the grounded intention: it says who does what
("you: bob; me: cook(cathy), cook(david)"), or answers the question from the game.

The prompt (``prompts/slow.txt``) puts the fixed instructions and examples first and the
game state and message last, so every call after the first evaluates only the ~40
tokens that changed. The same prompt runs through any :class:`~dualmind.llm.protocol.
Backend` (the OpenAI-compatible one included), so a larger model drops in.
"""

from __future__ import annotations

import time
from dataclasses import replace

from dualmind.agents.intention import Intention
from dualmind.agents.language.context import Context
from dualmind.agents.language.coverage import (
    EXTRA_INTENTS,
    division_of_work,
    ground,
    normalise_counts,
    work_after_stop,
)
from dualmind.agents.language.features import clean
from dualmind.agents.language.interpreters import Interpretation, RulesInterpreter
from dualmind.agents.language.resolve import INTENTS
from dualmind.agents.llm.prompts import fill, quote
from dualmind.errors import BackendError
from dualmind.llm.protocol import Backend, Choices, Completion, Message

STOP = "stop"
"""The human ends what the agent is doing ("that's enough", "stop that") and asks nothing
new: the intention in force ends (an ``interpret`` kind of none, with no macros)."""
LABELS = (*INTENTS, *EXTRA_INTENTS, STOP)
STATUS_LABELS = ("yes", "no")
"""A status turn's answer to "complete?": the human's request is over, or still holds."""
MAX_MESSAGE = 300  # characters of a message the model reads (a paste is not a command)


def describe_steps(intention: Intention | None) -> str:
    if intention is None or not intention.steps:
        return "nothing"
    return ", ".join(f"{s.macro} x{'always' if s.count is None else s.count}" for s in intention.steps)


def _said(intention: Intention | None) -> str:
    """The intention's steps as a person would say them ("chop 2 onions, then cook the Bob soup")."""
    from dualmind.agents.minds import describe_step

    return ", then ".join(describe_step(s) for s in (intention.steps if intention else ()))


def reply_for(intent: str, intention: Intention, ctx: Context, message: str) -> str:
    """A short chat reply that says what the agent will do (and what the human does)."""
    if intention.kind == "question" or not intention.steps:
        return intention.reply
    mine = _said(intention)
    if intent == "split":
        # The human's part is what they claimed ("leave the onions to me": the onions), not
        # every order the agent is not cooking: that reply named all three soups the
        # human's when they had taken one vegetable. Only a split with no claim read
        # (the label alone: "I'll take one") falls back to the orders left over.
        theirs = _claimed(intention) or [o.capitalize() for o in dict.fromkeys(ctx.orders)
                                          if o not in {s.macro.arg for s in intention.steps}]
        return f"OK, you do {' and '.join(theirs) or 'your part'}; I'll {mine}."
    if intent == "assign":
        theirs = _claimed(intention)
        return f"OK, I'll {mine}; you do {' and '.join(theirs) if theirs else 'the rest'}."
    return f"On it: I'll {mine}."


def _claimed(intention: Intention) -> list[str]:
    """What the human said they will do, as a person says it ("Cathy", "the onions",
    "the chopping")."""
    from dualmind.agents.minds import PLURAL

    work = {"chop": "the chopping", "cook": "the cooking", "serve": "the serving"}
    said = [(f"the {PLURAL[m.arg]}" if m.arg in PLURAL else m.arg.capitalize())
            if m.arg else work.get(m.verb, m.verb) for m in intention.claims]
    return list(dict.fromkeys(said))


class LLMSlowInterpreter:
    """The slow mind's interpreter over a language model (Qwen 1.5B embedded by default)."""

    def __init__(self, backend: Backend | None = None, timeout: float = 20.0, template: str = "slow"):
        if backend is None:
            from dualmind.llm.qwen import slow_backend

            backend = slow_backend()
        self.backend = backend
        self.name = backend.name
        self.timeout = timeout
        self.template = template
        self._rules = RulesInterpreter()
        warm = getattr(backend, "warm", None)
        if warm is not None:  # evaluate (or load) the fixed instructions and examples once
            warm(self.prompt("", Context())[:-1])

    def prompt(self, message: str, context: Context):
        text = quote(normalise_counts(message), MAX_MESSAGE)
        return fill(self.template, orders=",".join(context.orders) or "-",
                    cooking=",".join(context.cooking) or "-", doing=describe_steps(context.last),
                    message=text)

    def interpret(self, message: str, context: Context) -> Interpretation:
        start = time.perf_counter()
        text = clean(message)
        if not text:
            return Interpretation(Intention(), "none", time.perf_counter() - start)
        meta: dict = {}
        try:
            answer = self.backend.complete(self.prompt(text, context), Choices(LABELS), timeout=self.timeout)
            intent, meta = answer.value, _answer_meta(answer)
        except BackendError as e:
            # The game goes on: keyword rules read the message, and the failure is counted.
            intent, meta = self._rules.classify(text), _error_meta(e)
        if intent == STOP:
            intent = work_after_stop(text) or STOP
        if intent == STOP:
            from dualmind.agents.minds import PLURAL

            last = context.last.steps if context.last else ()
            chops = [PLURAL.get(s.macro.arg, s.macro.arg) for s in last if s.macro.verb == "chop"]
            reply = f"OK, no more {' or '.join(chops)}." if chops else "OK, I'll stop."
            return Interpretation(Intention(reply=reply), STOP, time.perf_counter() - start, meta=meta)
        divided = division_of_work(text, context) if intent == "none" else None
        intention = divided if divided is not None else ground(intent, text, context)
        if divided is not None:
            intent = "split"
            meta["overruled"] = "none"
        # replace() keeps whatever else grounding found (the human's claims, things to avoid)
        intention = replace(intention, reply=reply_for(intent, intention, context, text))
        return Interpretation(intention, intent, time.perf_counter() - start, meta=meta)

    def status_prompt(self, request: str, done: str, context: Context) -> list[Message]:
        """The reading prompt's fixed turns (already in llama.cpp's cache) and a status turn
        in place of a message: the request's words and what was done since it."""
        messages = self.prompt("", context)
        last = messages[-1].content.split("\n")[0]  # orders | cooking | you are doing
        text = quote(normalise_counts(request), MAX_MESSAGE)
        turn = f'{last}\nstatus: asked "{text}"\nyou did since: {done}\ncomplete?'
        return [*messages[:-1], Message("user", turn)]

    def status(self, request: str, done: str, context: Context) -> tuple[bool, dict]:
        """Is the human's request ``request`` complete, given ``done`` (macros finished since
        it, ``chop(onion) x3``) and the game? A failed call answers "not finished": the
        request then ends as before, by its counters or by the human."""
        # With template "slow+status" the prompt has worked status turns; the plain reading
        # prompt has none: they cost 2 points of reading, 98.7% -> 96.8% of 156.
        try:
            answer = self.backend.complete(self.status_prompt(request, done, context),
                                           Choices(STATUS_LABELS), timeout=self.timeout)
        except BackendError as e:
            return False, _error_meta(e)
        return answer.value == "yes", {**_answer_meta(answer), "answer": answer.value}


def _answer_meta(answer: Completion) -> dict:
    """What a call's record keeps of a model's answer: its tokens and latency."""
    return {"prompt_tokens": answer.prompt_tokens, "completion_tokens": answer.completion_tokens,
            "model_latency_s": answer.latency_s, **answer.meta}


def _error_meta(e: BackendError) -> dict:
    """What a call's record keeps of a failed model call (counted as a model error)."""
    return {"error": type(e).__name__, "detail": str(e)[:200]}
