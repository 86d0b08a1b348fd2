"""Personas as data: a simulated human's style, pace and phrase bank in one TOML file.

A persona file names a ``style`` (how it plans and when it talks: leader, asker, novice,
silent, talker), how it plays (actions per second, reaction time, pauses, slips) and
what it says, one list of phrasings per kind of message. The built-in personas are such
files in ``dualmind/partners/personas/``; ``--partners path/to/mine.toml`` (or
``--agents hla,path/to/mine.toml``) loads a user's own. A file may leave out any
``[play]``/``[talk]`` key or phrase kind: the built-in persona of the same style fills it.

Example::

    name = "chef-anna"
    style = "leader"

    [play]
    actions_per_second = 3.3      # sustained key presses per second
    reaction_seconds = 0.5        # pause before each new sub-task
    pause_chance = 0.05           # chance of a longer look at the screen per sub-task
    pause_seconds = [1.0, 3.0]
    wrong_item_chance = 0.0       # chance a chop goes to the wrong vegetable
    drop_chance = 0.0             # chance (novice) of giving a task up half-way

    [talk]
    first_seconds = 3.0           # first message after this long
    every_seconds = [12.0, 20.0]  # gap between messages
    patience_seconds = 25.0       # how long it waits for the agent before re-planning
    uptake_seconds = 10.0         # (leader) re-plans sooner when the agent neither answers
                                  # nor picks up a vegetable for its part by then

    [phrases]
    split_cook = ["I'll make the {mine} soup, could you do {yours}?"]
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

from dualmind.errors import DualmindError
from dualmind.game.settings import MAX_GAME_SECONDS
from dualmind.game.text import article
from dualmind.vocab import PARTNER_ALIASES, PARTNERS

STYLES = ("leader", "asker", "novice", "silent", "talker")
BUILTIN = PARTNERS  # the names are defined once, in dualmind.vocab
ALIASES = PARTNER_ALIASES

# The kinds of message each style can send, and the slots its phrasings may use.
KINDS: dict[str, dict[str, tuple[str, ...]]] = {
    "leader": {"split_cook": ("mine", "yours"), "split_chop": ("mine", "veg", "vegs", "n"),
               "split_pot": ("yours", "vegs"),
               "replan": ("yours",), "thanks": ()},
    "asker": {"ask_chop": ("veg", "vegs", "n"), "ask_serve": ("soup",), "ask_fire": (),
              "ask_orders": (), "ask_recipe": ("soup",), "thanks": ()},
    "novice": {"announce": ("soup",), "drop": ("soup",), "thanks": ()},
    "silent": {},
    "talker": {k: () for k in ("none", "chop", "cook", "serve", "extinguish", "more", "split",
                               "urgent", "keep", "orders", "recipe")},
}


class PersonaError(DualmindError):
    """A persona file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Play:
    """How the persona plays."""

    actions_per_second: float = 3.3
    reaction_seconds: float = 0.5
    pause_chance: float = 0.05
    pause_seconds: tuple[float, float] = (1.0, 3.0)
    wrong_item_chance: float = 0.0
    drop_chance: float = 0.0


@dataclass(frozen=True)
class Talk:
    """When the persona talks."""

    first_seconds: float = 3.0
    every_seconds: tuple[float, float] = (15.0, 25.0)
    patience_seconds: float = 25.0
    uptake_seconds: float = 10.0
    """(leader) How long a handed-over part may go with no sign that the agent took it
    up (an answer in chat, one of its vegetables in hand) before the leader re-plans;
    ``patience_seconds`` still bounds a partner who did take it up."""


@dataclass(frozen=True)
class Persona:
    """A simulated human, as loaded from a persona file."""

    name: str
    style: str
    play: Play = Play()
    talk: Talk = Talk()
    phrases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    source: str = ""


def _builtin_text(name: str) -> str:
    return (resources.files("dualmind.partners") / "personas" / f"{name}.toml").read_text(encoding="utf-8")


def is_persona(name: str) -> bool:
    """Does ``name`` name a persona (built-in, alias or a ``.toml`` path)?"""
    return name in BUILTIN or name in ALIASES or name.endswith(".toml")


def load_persona(name: str) -> Persona:
    """A persona by built-in name (leader, asker, novice, silent, talker; partner = talker)
    or by the path of a TOML file."""
    name = ALIASES.get(name, name)
    if name in BUILTIN:
        return _parse(_builtin_text(name), f"built-in persona {name!r}", None)
    path = Path(name)
    if not name.endswith(".toml"):
        raise PersonaError(f"unknown persona {name!r}; personas are {', '.join(BUILTIN)}, "
                           "'partner', or the path of a .toml file")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise PersonaError(f"{path}: cannot read the persona file ({e.strerror})") from None
    return _parse(text, str(path), path.stem)


def _pair(value, where: str, key: str) -> tuple[float, float]:
    if not (isinstance(value, list) and len(value) == 2 and all(_number(v) for v in value)
            and 0 <= value[0] <= value[1] <= MAX_GAME_SECONDS):
        raise PersonaError(f"{where}: {key} must be [low, high] seconds with "
                           f"0 <= low <= high <= {MAX_GAME_SECONDS:g}")
    return float(value[0]), float(value[1])


def _number(v) -> bool:
    """A finite number: TOML also reads ``inf`` and ``nan``, which overflowed the tick
    counts (a traceback instead of an error naming the file)."""
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _section(data: dict, key: str, cls, base, where: str):
    raw = data.get(key, {})
    if not isinstance(raw, dict):
        raise PersonaError(f"{where}: [{key}] must be a table")
    known = set(cls.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise PersonaError(f"{where}: unknown key(s) in [{key}]: {', '.join(sorted(unknown))}; "
                           f"known: {', '.join(sorted(known))}")
    values = {}
    for k, v in raw.items():
        if k.endswith("_seconds") and isinstance(getattr(base, k), tuple):
            values[k] = _pair(v, where, f"{key}.{k}")
        elif not _number(v) or v < 0:
            raise PersonaError(f"{where}: {key}.{k} must be a number >= 0, got {v!r}")
        elif k.endswith("_seconds") and v > MAX_GAME_SECONDS:
            raise PersonaError(f"{where}: {key}.{k} must be at most {MAX_GAME_SECONDS:g} seconds "
                               f"(the longest game), got {v!r}")
        else:
            values[k] = float(v)
    out = replace(base, **values)
    for k in ("pause_chance", "wrong_item_chance", "drop_chance"):
        if k in values and values[k] > 1:
            raise PersonaError(f"{where}: {key}.{k} is a chance, between 0 and 1")
    if key == "play" and not 0.2 <= out.actions_per_second <= 10:
        raise PersonaError(f"{where}: play.actions_per_second must be between 0.2 and 10 "
                           "(10 is one key per tick, the keyboard's limit)")
    return out


def _parse(text: str, where: str, default_name: str | None) -> Persona:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise PersonaError(f"{where}: not valid TOML ({e})") from None
    style = data.get("style")
    if style is None:
        raise PersonaError(f"{where}: no style; add e.g. style = \"leader\" (one of {', '.join(STYLES)})")
    if style not in STYLES:
        raise PersonaError(f"{where}: style must be one of {', '.join(STYLES)}, got {style!r}")
    unknown = set(data) - {"name", "style", "play", "talk", "phrases", "description"}
    if unknown:
        raise PersonaError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    base = None if default_name is None else _parse(_builtin_text(style), f"built-in {style}", None)
    play = _section(data, "play", Play, base.play if base else Play(), where)
    talk = _section(data, "talk", Talk, base.talk if base else Talk(), where)
    raw = data.get("phrases", {})
    if not isinstance(raw, dict):
        raise PersonaError(f"{where}: [phrases] must be a table of lists of strings")
    kinds = KINDS[style]
    phrases: dict[str, tuple[str, ...]] = dict(base.phrases) if base else {}
    for kind, items in raw.items():
        if kind not in kinds:
            raise PersonaError(f"{where}: {article(style)} {style} sends no {kind!r} messages; its kinds are "
                               f"{', '.join(kinds) or 'none (it never talks)'}")
        if not (isinstance(items, list) and items and all(isinstance(p, str) and p.strip() for p in items)):
            raise PersonaError(f"{where}: phrases.{kind} must be a non-empty list of strings")
        for p in items:
            _check_slots(p, _TALKER_SLOTS if style == "talker" else kinds[kind], where, kind)
        phrases[kind] = tuple(items)
    missing = [k for k in kinds if k not in phrases]
    if missing:
        raise PersonaError(f"{where}: no phrases for {', '.join(missing)}")
    name = data.get("name", default_name or style)
    if not isinstance(name, str) or not name:
        raise PersonaError(f"{where}: name must be a non-empty string")
    return Persona(name, style, play, talk, phrases, where)


_TALKER_SLOTS = ("n", "veg", "vegs", "soup")


def _check_slots(phrase: str, allowed: tuple[str, ...], where: str, kind: str) -> None:
    import string

    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(phrase) if f is not None]
    except ValueError as e:
        raise PersonaError(f"{where}: phrases.{kind}: {phrase!r}: {e}") from None
    bad = [f for f in fields if f not in allowed]
    if bad:
        raise PersonaError(f"{where}: phrases.{kind}: {phrase!r} uses {{{bad[0]}}}; "
                           f"this kind's slots are {', '.join(allowed) or 'none'}")
