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


def _on(m: Macro) -> str:
    if m.verb == "chop" and m.arg:
        return f"chopping {m.arg}"
    if m.arg in SOUPS:
        return f"the {m.arg.capitalize()} soup"
    return {"extinguish": "the fire", "clear": "the burnt pot"}.get(m.verb, m.verb)


def doing_reply(soup: str | None, ctx: Context) -> str:
    """The answer to "are you doing bob?" / "who's on cathy?": what the agent is on, from
    the intention in force (none: the open orders, as the planner sees them)."""
    steps = [s.macro for s in ctx.last.steps] if ctx.last else []
    mine = soup is not None and any(m.arg == soup or (m.verb == "chop" and m.arg in SOUPS[soup].ingredients)
                                    for m in steps)
    doing = " and ".join(dict.fromkeys(_on(m) for m in steps[:3])) or "the open orders"
    if soup is None:
        return f"I'm on {doing}."
    if mine:
        return f"Yes, I'm on {doing}."
    return f"Not me: I'm on {doing}. Say so if you want me on {soup.capitalize()}."


def state_reply(slots: Slots, ctx: Context) -> str:
    """The answer to "is the bob done?", "how long on the cathy?", "are the pots free?":
    what the pots hold, as the context knows it; to "did you chop the onions?", what the
    agent is on."""
    if slots.soups:
        soup = slots.soups[0]
        name = soup.capitalize()
        return f"{name} soup is in a pot." if soup in ctx.cooking else f"No {name} soup is cooking yet."
    if slots.vegetables:
        return doing_reply(None, ctx)
    cooking = ", ".join(f"{s.capitalize()} soup" for s in ctx.cooking)
    return f"In the pots: {cooking}." if cooking else "Nothing is cooking."


def recipe_reply(soup: str | None) -> str:
    if soup is None:
        return " ".join(f"{s.capitalize()}: {' + '.join(v.ingredients)}." for s, v in SOUPS.items())
    return f"{soup.capitalize()} soup is {' + '.join(SOUPS[soup].ingredients)}."


def asks_agent(clause) -> bool:
    """Does the clause ask the agent for work: not the speaker's own part, not a report of
    how things stand ("bob is in the pot"), not forbidden?"""
    return not clause.negated and clause.actor not in ("speaker", "report")


def asked_verbs(clauses) -> list[str]:
    """The kinds of work (chop, cook, serve) the clauses ask the agent for, in order."""
    return list(dict.fromkeys(c.verb for c in clauses
                              if asks_agent(c) and c.verb in ("chop", "cook", "serve")))


def resolve(intent: str, slots: Slots, ctx: Context) -> Intention:
    """The intention an intent + slots means in this context (``none`` if it means nothing).

    A message that divides the work ("I'll cook, you chop"), claims some of it ("I'm on
    the alice order") or forbids something ("don't touch the tomatoes") is read from its
    clauses, whatever the intent: who does what is in the grammar, not in the gist.
    """
    if intent == "split" and slots.vegetables and not slots.soups and slots.clauses \
            and not any(c.actor == "speaker" for c in slots.clauses):
        # A split needs the speaker to take a part; "I'm short of tomato, can you chop
        # some" (an "I'm" cue) takes none: it asks for the vegetables it names.
        intent = "chop"
    actors = {c.actor for c in slots.clauses if not c.negated}
    if intent == "split" and slots.soups and "agent" in actors \
            and not any(c.actor == "speaker" for c in slots.clauses):
        # ... and so is the soup of "lets both work on david" or "you do alice": the
        # split label gave the named soup to the human and every other to the agent.
        intent = "cook"
    if slots.question and slots.about_doing:
        # "are you doing bob?", "who's on cathy?": a question about who does what, not a
        # request (the head read the first as a split)
        return Intention("question", reply=doing_reply(_order_soup(slots, ctx) or (
            slots.soups[0] if slots.soups else None), ctx))
    if slots.asks:
        # "is alice cooking yet", "is the bob done?": a question of how things stand (read
        # as "cook alice" or a recipe), answered from the context
        if slots.asks == "orders":
            return Intention("question", reply=orders_reply(ctx))
        if slots.asks == "recipe":
            return Intention("question", reply=recipe_reply(_order_soup(slots, ctx)))
        return Intention("question", reply=state_reply(slots, ctx))
    if intent == "keep" and slots.vegetables and not (slots.standing or slots.until) \
            and not any(c.actor == "speaker" for c in slots.clauses):
        # a chop with no word that makes it standing ("letuce plz", "onion!!!", "can
        # someone cut onions": the learned head said keep, and the agent chopped for good);
        # a vegetable given in a division of work ("I've got lettuce, you do onions") is a
        # standing part
        intent = "chop"
    said = asked_verbs(slots.clauses)
    if intent in ("cook", "serve") and len(said) == 1 and said[0] not in (intent, "chop"):
        # the words name the other of the two ("take the bob out of the pot": the head said
        # cook; a second Bob went in)
        intent = said[0]
    wanted = said or (["chop"] if any(asks_agent(c) and c.vegetables for c in slots.clauses) else [])
    if intent in ("orders", "recipe") and wanted and not slots.question and slots.bids:
        # a request that names an order is no question ("could you get the next order
        # started", "start whatever's oldest": the head said orders and the agent only
        # listed them; "need letuce and tomatoe for bob": it recited Bob's recipe)
        intent = sorted(wanted)[0]
    if intent not in ("orders", "recipe", "extinguish"):
        split = resolve_roles(slots.clauses, ctx, intent)
        if split is not None:
            return split
    if intent == "chop":
        veg = slots.vegetables[0] if slots.vegetables else None
        if veg is None:
            last = _last_macro(ctx, "chop")
            veg = last.arg if last else None
        if veg is None:
            return NONE
        if slots.until and slots.count is None:  # "chop lettuce till I say stop"
            return Intention("long", (Step(Macro("chop", veg), None),))
        return Intention("short", (Step(Macro("chop", veg), slots.count or 1),))
    if intent == "keep":
        if slots.vegetables:
            return Intention("long", (Step(Macro("chop", slots.vegetables[0]), None),))
        if any(c.verb == "chop" and not c.negated for c in slots.clauses) and ctx.orders:
            # "focus on chopping", "keep prepping": the chopping the open orders need, for
            # as long as they need it (it was the last request's macro, or nothing)
            vegs = dict.fromkeys(v for s in ctx.orders for v in SOUPS[s].ingredients)
            return Intention("long", tuple(Step(Macro("chop", v), None) for v in vegs))
        last = _last_macro(ctx)
        return Intention("long", (Step(last, None),)) if last else NONE
    if intent == "cook":
        soup = _order_soup(slots, ctx) or (ctx.orders[0] if ctx.orders else None)
        return Intention("short", (Step(Macro("cook", soup)),)) if soup else NONE
    if intent == "serve":
        soup = _order_soup(slots, ctx) or (ctx.cooking[0] if ctx.cooking else None)
        return Intention("short", (Step(Macro("serve", soup)),)) if soup else NONE
    if intent == "extinguish":
        roles = resolve_roles(slots.clauses, ctx, intent)
        if roles is not None and not roles.steps and Macro("extinguish") in roles.claims:
            # "I'll deal with the fire", "I'm on the fire": the human takes it; the agent
            # was asked nothing (it ran for the extinguisher and answered "OK, I'll put out
            # the fire").
            return roles
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


def _soup_macros(soup: str) -> tuple[Macro, ...]:
    return (Macro("cook", soup),)


def resolve_roles(clauses, ctx: Context, intent: str = "") -> Intention | None:
    """The intention of a message that says who does what; None when it only asks."""
    objects = len({x for c in clauses for x in (*c.soups, *c.vegetables, *c.purpose)})
    if objects < 2 and not any(c.actor in ("speaker", "report") or (c.negated and c.actor != "speaker")
                               or c.rest or c.excluded for c in clauses):
        return None  # one plain request: the intent and its slots say it all
    claims: list[Macro] = []
    avoid: list[Macro] = []
    # "for david I cut and you cook": the human chops FOR a soup the agent is told to cook
    # (a bare "you cook"): the soup is shared, the human claims only its chopping.
    bare_cook = any(c.actor != "speaker" and not c.negated and c.verb == "cook"
                    and not (c.soups or c.vegetables or c.rest) for c in clauses)
    shared: list[str] = []
    for c in clauses:
        if c.actor == "speaker" and not c.negated and c.verb == "chop" and c.soups and bare_cook \
                and not c.vegetables:
            shared += c.soups
            claims += [Macro("chop", v) for s in c.soups for v in SOUPS[s].ingredients]
            continue
        if c.actor == "speaker" and not c.negated and c.purpose and bare_cook:
            # "I'll do tomatoes for Bob, you do the pot": the same sharing, said the other way
            shared += c.purpose
        if c.actor == "speaker" and not c.negated:
            soups = c.soups
            if not soups and c.ordinal is not None and ctx.orders \
                    and -len(ctx.orders) <= c.ordinal < len(ctx.orders):
                soups = (ctx.orders[c.ordinal],)  # "I'll cook the first order"
            for soup in soups:
                claims += _soup_macros(soup)
            claims += [Macro("chop", v) for v in c.vegetables]
            if not (soups or c.vegetables) and c.verb is not None:
                claims.append(Macro(c.verb))
        elif c.negated and c.actor != "speaker":  # "I can't reach the pots" forbids nothing
            for soup in (*c.soups, *(x for x in c.excluded if x in SOUPS)):
                avoid += _soup_macros(soup)
            for veg in (*c.vegetables, *(x for x in c.excluded if x not in SOUPS)):
                avoid += [Macro("chop", veg), Macro("fetch", veg)]
            if not (c.soups or c.vegetables or c.excluded) and c.verb is not None:
                avoid.append(Macro(c.verb))
        if c.excluded and not c.negated:
            for x in c.excluded:
                avoid += _soup_macros(x) if x in SOUPS else [Macro("chop", x)]
    taken = {m.arg for m in claims if m.arg in SOUPS} | {m.arg for m in avoid if m.arg in SOUPS}
    open_soups = [s for s in dict.fromkeys(ctx.orders) if s not in taken]
    steps: list[Step] = []
    # "bob soup: I chop, you cook": a soup named anywhere for the agent is what its bare
    # "you cook" is about, not every open order.
    named = any(c.soups for c in clauses if asks_agent(c))
    for c in clauses:
        if not asks_agent(c):
            continue  # (a report, "bob is in the pot", asks for nothing)
        if c.verb == "extinguish":
            steps.append(Step(Macro("extinguish")))
        for soup in c.soups:
            # "you do cathy" with a Cathy already cooking means serving it, unless more
            # Cathy orders are open than are cooking: then it means another one.
            spare = ctx.orders.count(soup) > ctx.cooking.count(soup)
            verb = "serve" if c.verb == "serve" or (c.verb is None and not spare
                                                    and soup in ctx.cooking) else "cook"
            steps.append(Step(Macro(verb, soup)))
        # "keep chopping tomatoes, don't touch onions": a standing order has no count
        standing = intent == "keep" and not c.count
        steps += [Step(Macro("chop", v), None if standing else c.count or 1) for v in c.vegetables]
        if c.soups or c.vegetables:
            continue
        if c.verb == "chop":  # "you chop": the chopping the open orders need, for as long as they do
            vegs = dict.fromkeys(v for s in (open_soups or ctx.orders) for v in SOUPS[s].ingredients)
            steps += [Step(Macro("chop", v), None) for v in vegs]
        elif c.verb == "serve":
            steps += [Step(Macro("serve", s)) for s in ctx.cooking[:1]]
        elif shared and c.verb == "cook" and not c.rest:
            steps += [Step(Macro("cook", s)) for s in dict.fromkeys(shared)]
        elif c.rest or (c.verb == "cook" and not named):
            steps += [Step(Macro("cook", s)) for s in open_soups]
    steps = [s for s in dict.fromkeys(steps) if s.macro not in avoid]
    if not steps:
        kind = "none"
    elif any(s.count is None for s in steps) or intent == "keep":
        kind = "long"
    elif claims or intent in ("split", "urgent", "more", "assign") or any(c.rest for c in clauses):
        kind = "infer"  # the agent's part is inferred from the split or the situation
    else:
        kind = "short"
    return Intention(kind, tuple(steps), claims=tuple(dict.fromkeys(claims)),
                     avoid=tuple(dict.fromkeys(avoid)))
