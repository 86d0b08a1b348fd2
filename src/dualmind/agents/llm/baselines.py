"""The baselines of the paper over the LLM minds (Hierarchical Language Agent, Liu et al.).

With code minds the baselines are HLA's parts recombined (:mod:`dualmind.agents.
mind_agent`); with LLM minds each is one model doing the whole job it is named for:

* :class:`SMOAChooser` -- Slow Mind Only: the slow model (Qwen 1.5B) picks every macro
  itself, its answer constrained by grammar to the macros possible now, from a prompt of
  the orders, the pots, what the agent holds, what the human said lately and the macros
  it picked last (``prompts/smoa.txt``). A message it read is answered by a template line.
* :class:`FMOAChooser` -- Fast Mind Only: the fast model (Qwen 0.5B) reads the human's raw
  messages (no interpreter, no intention from a slow mind), scores the possible macros
  by likelihood (the candidates and scoring of :class:`~dualmind.agents.llm.fast.
  LLMFastChooser`, ``prompts/fmoa.txt``), and after a message picks its reply among a
  few lines by likelihood (nothing, "on it", the orders, a recipe).
* :class:`NEAStepper` -- No Executor: the fast model picks each atomic action (up, down,
  left, right, interact, stay) from a text map with coordinates and the target the
  current macro walks to (``prompts/nea.txt``). The map is fixed per layout and comes
  first, so llama.cpp re-evaluates only the last two lines (~40 tokens) per call. NEA's
  intention and macros come from the minds as in HLA; only the executor is gone.

Every answer is a :class:`~dualmind.agents.minds.MindOutput` with ``tokens`` = (prompt
tokens evaluated, generated or option tokens decoded). A model error is counted in
``model_errors`` and the agent goes on (the planner, or for NEA the executor's step,
covers the call).
"""

from __future__ import annotations

import atexit
import threading

from dualmind.agents import macro_logic
from dualmind.agents.intention import Intention, Step
from dualmind.agents.language.slots import words
from dualmind.agents.llm.fast import (
    DEMAND_WEIGHT,
    IDLE_WEIGHT,
    MAX_CANDIDATES,
    PLAN_BONUS,
    PRIOR,
    LLMFastChooser,
    describe_item,
    describe_pots,
)
from dualmind.agents.llm.prompts import fill, quote
from dualmind.agents.macros import Macro, all_macros
from dualmind.agents.minds import MindOutput, possible
from dualmind.agents.scripted import ScriptedPlanner
from dualmind.agents.world import World
from dualmind.errors import BackendError
from dualmind.game import items, tiles
from dualmind.game.rules import BURNING, CHARRED, COOKING, FILLING, READY
from dualmind.llm.protocol import Choices
from dualmind.llm.qwen import chat_prompt

HEARD_SECONDS = 45.0
"""The human's messages stay in a baseline's prompt this long (it has no intention to
remember a request by: the words themselves are its memory)."""
RECENT = 4  # macros of its own the SMOA prompt lists
ACTIONS = ("up", "down", "left", "right", "interact", "stay")
NEA_MACRO_CALLS = 60
"""A macro NEA has stepped this many times without finishing fails (a model that walks
into a wall forever must not freeze the agent; the mind then picks again)."""
_QUESTION = ("what", "which", "where", "how", "who", "why", "when", "do ", "does", "is ", "are ", "can ")


def heard(world: World, seconds: float = HEARD_SECONDS, last: int = 2) -> str:
    """The human's last messages of the last ``seconds``, quoted ("nothing" when none)."""
    since = world.state.tick - world.kitchen.settings.ticks(seconds)
    said = [m.text for m in world.state.chat if m.player != world.me_index and m.tick >= since][-last:]
    return " / ".join(f'"{quote(s, 120)}"' for s in said) or "nothing"


def describe_orders(world: World) -> str:
    return ", ".join(o.soup for o in world.state.orders) or "none"


def describe_all_pots(world: World) -> str:
    """Every pot's phase in a few words ("bob cooking, empty")."""
    tick, out = world.state.tick, []
    for pot in world.state.pots:
        phase = world.kitchen.pot_phase(pot, tick)
        if phase == BURNING:
            out.append("on fire")
        elif phase == CHARRED:
            out.append("burnt")
        elif phase in (COOKING, READY):
            out.append(f"{pot.soup} {'ready' if phase == READY else 'cooking'}")
        elif phase == FILLING:
            out.append(f"holds {'+'.join(pot.vegetables)}")
        else:
            out.append("empty")
    return ", ".join(out) or "none"


def possible_macros(world: World, avoid: frozenset[Macro] = frozenset()) -> list[Macro]:
    """Every macro the executor can start now (``wait`` always), less ``avoid``."""
    out = [m for m in all_macros() if m not in avoid and m.verb != "wait" and possible(world, m)]
    return [*out, Macro("wait")]


def template_reply(messages: list[str], world: World, macro: Macro | None) -> str:
    """One short line for what the human just said: a question about the orders or a
    recipe is answered from the game, anything else acknowledged with the macro chosen."""
    text = " ".join(messages).lower()
    if not text.strip():
        return ""
    said = set(words(text[:300]))
    soups = [s for s in items.SOUPS if s in said]
    question = "?" in text or text.lstrip().startswith(_QUESTION)
    if question and soups:
        return " ".join(f"{s.capitalize()} is {' + '.join(items.SOUPS[s].ingredients)}." for s in soups[:2])
    if question and ("order" in text or "want" in text):
        return f"The orders are {describe_orders(world)}."
    return f"On it: {macro}." if macro is not None and macro.verb != "wait" else "OK."


class SMOAChooser:
    """SMOA with LLM minds: the slow model picks each macro among the possible ones.

    Plugs into :class:`~dualmind.agents.minds.FastMind` as its chooser (the agent runs it
    on the slow lane, so each macro costs a slow call); ``messages`` are the human's
    messages this call reads for the first time (they get a reply)."""

    def __init__(self, backend=None, timeout: float = 20.0):
        if backend is None:
            backend = own_backend("smoa")
        self.backend, self.name, self.timeout = backend, backend.name, timeout
        self.recent: list[str] = []  # what it picked last (one agent per chooser)
        warm = getattr(backend, "warm", None)
        if warm is not None:  # the fixed instructions and examples, evaluated once
            warm(fill("smoa", orders="", pots="", holding="", heard="", done="", possible="")[:-1])

    def choose(self, world: World, steps: list[Step] | None = None, avoid: frozenset[Macro] = frozenset(),
               named: frozenset[str] = frozenset(),
               messages: list[str] | tuple[str, ...] = ()) -> MindOutput:
        """The slow model's pick among the possible macros (SMOA keeps no plan: ``steps``
        and ``named`` are not read; the model reads the chat itself)."""
        options = possible_macros(world, avoid)
        texts = tuple(str(m) for m in options)
        prompt = fill("smoa", orders=describe_orders(world), pots=describe_all_pots(world),
                      holding=describe_item(world.holding), heard=heard(world),
                      done=", ".join(self.recent[-RECENT:]) or "none", possible=", ".join(texts))
        # A message read here is acted on at once (an empty intention: SMOA keeps no plan).
        intention = Intention() if messages else None
        try:
            answer = self.backend.complete(prompt, Choices(texts), timeout=self.timeout)
        except BackendError as e:
            return MindOutput(intention=intention, model_errors=1, meta={"error": type(e).__name__},
                              reply=template_reply(list(messages), world, None))
        if answer.value not in texts:  # a backend that ignored the grammar
            return MindOutput(intention=intention, model_errors=1, output=str(answer.text)[:80],
                              reply=template_reply(list(messages), world, None))
        macro = options[texts.index(answer.value)]
        self.recent = [*self.recent[-RECENT:], str(macro)]
        evaluated = int(answer.meta.get("evaluated_tokens", answer.prompt_tokens) or 0)
        reply = template_reply(list(messages), world, macro)
        return MindOutput(intention=intention, macro=macro, reply=reply,
                          tokens=(evaluated, answer.completion_tokens), prompt=prompt[-1].content,
                          output=answer.value, meta={"model_latency_s": answer.latency_s, **answer.meta})


class FMOAChooser(LLMFastChooser):
    """FMOA with LLM minds: the fast model reads the raw chat, picks the macro and the reply.

    The candidates and the score (likelihood plus the priority prior) are the fast
    chooser's; the prompt is the raw messages and the state, with no intention (there is
    no slow mind to make one)."""

    def __init__(self, backend=None, demand_weight: float = DEMAND_WEIGHT,
                 idle_weight: float = IDLE_WEIGHT, max_candidates: int = MAX_CANDIDATES):
        # Not the parent's __init__: that evaluates the fast mind's prompt, not this one.
        if backend is None:
            backend = own_backend("fmoa")
        self.backend, self.name = backend, backend.name
        self.demand_weight, self.idle_weight = demand_weight, idle_weight
        self.max_candidates = max_candidates
        self.planner = ScriptedPlanner()
        prime = getattr(backend, "prime", None)
        if prime is not None:
            text = chat_prompt(fill("fmoa", orders="\x00", pots="", holding="", heard=""))
            prime(text[:text.index("Orders: \x00")])

    def _prompt(self, world: World):
        return fill("fmoa", orders=describe_orders(world), pots=describe_pots(world),
                    holding=describe_item(world.holding), heard=heard(world))

    def choose(self, world: World, steps: list[Step] | None = None,
               avoid: frozenset[Macro] = frozenset(), named: frozenset[str] = frozenset()) -> MindOutput:
        """The macro for now, with the human's recent words in the prompt (FMOA keeps no
        plan: ``steps`` and ``named`` are not read)."""
        options = self.candidates(world, [], avoid)
        if len(options) <= 1:
            macro = options[0] if options else None
            return MindOutput(macro=macro, output=str(macro), meta={"scored": 0})
        messages = self._prompt(world)
        texts = [str(m) for m in options]
        try:
            answer = self.backend.score(chat_prompt(messages), texts, until_distinct=True)
        except BackendError as e:
            return MindOutput(model_errors=1, meta={"error": type(e).__name__})
        named = set(self.named(world))
        weight = self.demand_weight if named or heard(world) != "nothing" else self.idle_weight
        scores = [s + weight * PRIOR.get(m.verb, 0.0) + (PLAN_BONUS if m in named else 0.0)
                  for s, m in zip(answer.value, options, strict=True)]
        best = max(range(len(options)), key=scores.__getitem__)
        return MindOutput(macro=options[best], tokens=(answer.prompt_tokens, answer.completion_tokens),
                          prompt=messages[-1].content, output=texts[best],
                          meta={"scores": dict(zip(texts, (round(s, 3) for s in scores), strict=True)),
                                "model_latency_s": answer.latency_s})

    def react(self, world: World, messages: list[str], avoid: frozenset[Macro] = frozenset()) -> MindOutput:
        """A new message: pick the macro it calls for, then the reply line, by likelihood."""
        out = self.choose(world, [], avoid)
        out.intention = Intention()  # acted on at once; FMOA keeps no plan
        if out.model_errors:  # the model is down: a template line still answers the human
            out.reply = template_reply(messages, world, out.macro)
            return out
        prompt = chat_prompt(self._prompt(world), answer_prefix=f"{out.macro or 'wait'}\nReply: ")
        lines = self.replies(world, messages, out.macro)
        try:
            answer = self.backend.score(prompt, lines)
        except BackendError:
            out.model_errors += 1
            out.reply = template_reply(messages, world, out.macro)
            return out
        best = max(range(len(lines)), key=answer.value.__getitem__)
        out.reply = "" if lines[best] == "-" else lines[best]
        out.tokens = (out.tokens[0] + answer.prompt_tokens, out.tokens[1] + answer.completion_tokens)
        out.meta["reply_scores"] = dict(zip(lines, (round(s, 3) for s in answer.value), strict=True))
        return out

    @staticmethod
    def replies(world: World, messages: list[str], macro: Macro | None) -> list[str]:
        """The reply lines to choose from: none, an acknowledgement, the orders, and the
        recipes of the soups the messages name (else of the open orders)."""
        said = set(words(" ".join(messages).lower()[:300]))
        soups = [s for s in items.SOUPS if s in said] or [o.soup for o in world.state.orders]
        lines = ["-", f"On it: {macro or 'wait'}.", f"The orders are {describe_orders(world)}."]
        lines += [f"{s.capitalize()} is {' + '.join(items.SOUPS[s].ingredients)}."
                  for s in dict.fromkeys(soups)]
        return lines[:6]


class NEAStepper:
    """NEA with LLM minds: the fast model picks each atomic action towards the macro's target.

    ``step`` works on ``body`` (the agent's executor copy, used here only for its macro
    and the macro's memory) and returns the action; with no executor, nothing walks
    round the partner or rescues a soup unless the model does."""

    def __init__(self, backend=None):
        if backend is None:
            backend = own_backend("nea")
        self.backend, self.name = backend, backend.name
        self.maps: dict[str, str] = {}
        prime = getattr(backend, "prime", None)
        if prime is not None:
            text = chat_prompt(fill("nea", map="\x00", me="", partner="", target=""))
            prime(text[:text.index("\x00")])

    def map_text(self, world: World) -> str:
        """The kitchen's tiles, one row per line with its y (fixed per layout)."""
        layout = world.kitchen.layout
        if layout.name not in self.maps:
            self.maps[layout.name] = "\n".join(f"y={y} {row}" for y, row in enumerate(layout.grid))
        return self.maps[layout.name]

    @staticmethod
    def _faced(world: World) -> str:
        """What tile the agent faces (" at the pot"), as a player sees it; nothing for floor."""
        cell = world.kitchen.neighbour.get((world.me.pos, world.me.facing))
        char = world.kitchen.layout.tile(cell) if cell is not None else tiles.FLOOR
        if char == tiles.FLOOR:
            return ""
        name = tiles.TILE_NAMES.get(char, "tile")
        return f" at {'a' if name == 'counter' else 'the'} {name}"

    def step(self, world: World, body) -> MindOutput:
        """One atomic action for ``body.macro`` (which must be set). ``meta``: ``done`` or
        ``failed`` (the macro ended: ``body.macro`` is cleared), ``scores``."""
        macro, memory = body.macro, body.memory
        calls = memory.get("_nea_calls", 0) + 1
        memory["_nea_calls"] = calls
        plan = macro_logic.plan(world, memory, macro)
        if calls > NEA_MACRO_CALLS and not isinstance(plan, macro_logic.Done):
            plan = macro_logic.Failed("no progress")
        if isinstance(plan, macro_logic.Done | macro_logic.Failed):
            body.set_macro(None)
            key = "done" if isinstance(plan, macro_logic.Done) else "failed"
            return MindOutput(output="stay", meta={key: macro, "why": plan.why})
        if isinstance(plan, macro_logic.Stay):  # nothing to walk to (a wait, a pot cooking)
            return MindOutput(output="stay", meta={"why": plan.why})
        me, partner = world.me, world.partner
        if isinstance(plan, macro_logic.Use):
            pos, name = plan.tile, tiles.TILE_NAMES.get(world.kitchen.layout.tile(plan.tile), "tile")
        else:
            pos, name = plan.cell, "floor cell"
        steps = [_offset(pos[0] - me.pos[0], "right", "left"), _offset(pos[1] - me.pos[1], "down", "up")]
        where = ", ".join(s for s in steps if s) or "here"
        if world.kitchen.neighbour.get((me.pos, me.facing)) == pos:
            # What a player sees: the offset alone ("1 up") led the 0.5B to press on into the
            # tile it already faced (884 of 905 actions "up" in a ring game), never using it.
            where = "you face it"
        target = f"{name} at ({pos[0]},{pos[1]}): {where}"
        prompt = fill("nea", map=self.map_text(world),
                      me=f"({me.pos[0]},{me.pos[1]}) facing {me.facing}{self._faced(world)}, "
                         f"holding {describe_item(me.holding)}",
                      partner=f"({partner.pos[0]},{partner.pos[1]})", target=target)
        try:
            answer = self.backend.score(chat_prompt(prompt), list(ACTIONS), until_distinct=True)
        except BackendError as e:
            return MindOutput(output="", model_errors=1, meta={"error": type(e).__name__})
        best = max(range(len(ACTIONS)), key=answer.value.__getitem__)
        return MindOutput(output=ACTIONS[best], tokens=(answer.prompt_tokens, answer.completion_tokens),
                          prompt=prompt[-1].content,
                          meta={"scores": dict(zip(ACTIONS, (round(s, 3) for s in answer.value),
                                                   strict=True)), "model_latency_s": answer.latency_s})


def _offset(d: int, positive: str, negative: str) -> str:
    """``d`` cells as words ("2 left"); nothing for none (a "0 left" misleads a small model)."""
    return f"{abs(d)} {positive if d > 0 else negative}" if d else ""


_OWN: dict[str, object] = {}
_OWN_LOCK = threading.Lock()


def own_backend(role: str):
    """A baseline's own model instance, one per role per process (the weights file is
    memory-mapped, so the OS holds it once). Sharing the minds' instance would make two
    prompts evict each other from its one cached prefix: NEA's stepper and its macro
    chooser every macro; SMOA's prompt and the slow interpreter's 1,500-token one, which
    the next HLA game in the same process would pay for (~75 s measured); FMOA's and the
    fast chooser's likewise."""
    with _OWN_LOCK:
        return _OWN[role] if role in _OWN else _load(role)


def _load(role: str):
    from dualmind.llm.qwen import QwenBackend
    from dualmind.llm.weights import FAST_MODEL, SLOW_MODEL

    if role == "smoa":
        backend = QwenBackend(SLOW_MODEL, n_ctx=4096, scoring=False)
    else:
        backend = QwenBackend(FAST_MODEL, n_ctx=2048, n_seq=8)
    atexit.register(backend.close)  # before llama-cpp-python's own finalizers run
    _OWN[role] = backend
    return backend
