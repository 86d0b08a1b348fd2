"""From an intent and its slots to a grounded intention, in the game's context.

The intent says what kind of thing was asked ("chop", "more", "split", ...); the slots
say which vegetable, soup or count; the context fills what the message leaves out
("chop 4 more" -> the vegetable of the last intention; "I'll do the first order" -> the
oldest order; "the David soup is about to time out!" -> serve it if it is cooking, cook
it otherwise). Questions get a reply grounded in the game: the open orders, a recipe.
"""

from __future__ import annotations

from dualmind.agents.intention import Intention, Step
from dualmind.agents.language.context import Context
from dualmind.agents.language.slots import Slots
from dualmind.agents.macros import Macro
from dualmind.game.items import SOUPS

INTENTS = ("none", "chop", "cook", "serve", "extinguish", "more", "split", "urgent", "keep",
           "orders", "recipe")
NONE = Intention("none")


def _order_soup(slots: Slots, ctx: Context) -> str | None:
    if slots.soups:
        return slots.soups[0]
    if slots.ordinal is not None and ctx.orders:
        i = slots.ordinal
        return ctx.orders[i] if -len(ctx.orders) <= i < len(ctx.orders) else None
    return None


def _last_macro(ctx: Context, verb: str | None = None) -> Macro | None:
    if ctx.last is None:
        return None
    for step in ctx.last.steps:
        if verb is None or step.macro.verb == verb:
            return step.macro
    return None


def orders_reply(ctx: Context) -> str:
    soups = list(dict.fromkeys(ctx.orders))
    if not soups:
        return "There are no open orders right now."
    return "Open orders: " + ", ".join(f"{s.capitalize()} soup" for s in soups) + "."


def recipe_reply(soup: str | None) -> str:
    if soup is None:
        return " ".join(f"{s.capitalize()}: {' + '.join(v.ingredients)}." for s, v in SOUPS.items())
    return f"{soup.capitalize()} soup is {' + '.join(SOUPS[soup].ingredients)}."


def resolve(intent: str, slots: Slots, ctx: Context) -> Intention:
    """The intention an intent + slots means in this context (``none`` if it means nothing)."""
    if intent == "chop":
        veg = slots.vegetables[0] if slots.vegetables else None
        if veg is None:
            last = _last_macro(ctx, "chop")
            veg = last.arg if last else None
        if veg is None:
            return NONE
        return Intention("short", (Step(Macro("chop", veg), slots.count or 1),))
    if intent == "keep":
        if slots.vegetables:
            return Intention("long", (Step(Macro("chop", slots.vegetables[0]), None),))
        last = _last_macro(ctx)
        return Intention("long", (Step(last, None),)) if last else NONE
    if intent == "cook":
        soup = _order_soup(slots, ctx) or (ctx.orders[0] if ctx.orders else None)
        return Intention("short", (Step(Macro("cook", soup)),)) if soup else NONE
    if intent == "serve":
        soup = _order_soup(slots, ctx) or (ctx.cooking[0] if ctx.cooking else None)
        return Intention("short", (Step(Macro("serve", soup)),)) if soup else NONE
    if intent == "extinguish":
        return Intention("short", (Step(Macro("extinguish")),))
    if intent == "more":
        if slots.vegetables:  # "one more onion"
            return Intention("short" if slots.count and slots.count > 1 else "infer",
                             (Step(Macro("chop", slots.vegetables[0]), slots.count or 1),))
        last = _last_macro(ctx)
        if last is None:
            return NONE
        if slots.count is not None and slots.count > 1:  # "chop 4 more", "two more please"
            return Intention("short", (Step(last, slots.count),))
        return Intention("infer", (Step(last, 1),))
    if intent == "split":
        mine = _order_soup(slots, ctx) or (ctx.orders[0] if ctx.orders else None)
        rest = [s for s in dict.fromkeys(ctx.orders) if s != mine]
        if slots.soups[1:] and mine is not None:
            # "I'll take david. you do bob and cathy": the named rest wins.
            rest = [s for s in slots.soups[1:] if s != mine] or rest
        return Intention("infer", tuple(Step(Macro("cook", s)) for s in rest)) if rest else NONE
    if intent == "urgent":
        soup = _order_soup(slots, ctx) or (ctx.orders[0] if ctx.orders else None)
        if soup is None:
            return NONE
        verb = "serve" if soup in ctx.cooking else "cook"
        return Intention("infer", (Step(Macro(verb, soup)),))
    if intent == "orders":
        return Intention("question", reply=orders_reply(ctx))
    if intent == "recipe":
        return Intention("question", reply=recipe_reply(_order_soup(slots, ctx)))
    return NONE
