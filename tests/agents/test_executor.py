"""The executor completes every macro on every layout from every start, avoids and
out-waits the partner, and switches macros within one tick."""

from __future__ import annotations

import dataclasses

import pytest

from dualmind.agents.executor import FAIL_AFTER, Executor, Status
from dualmind.agents.macros import Macro, all_macros
from dualmind.agents.navigation import NavMap
from dualmind.agents.world import World
from dualmind.game import Kitchen, items, load_layout, shipped_layouts
from dualmind.game.events import EventKind
from dualmind.game.state import Player, Pot
from tests.conftest import place

KITCHENS = {name: Kitchen(load_layout(name)) for name in shipped_layouts()}
NAVS = {name: NavMap(k) for name, k in KITCHENS.items()}


def setup(layout: str, me: int, macro: Macro):
    """A state in which ``macro`` makes sense for player ``me`` (the partner stays at its
    start), and the event that proves it was carried out."""
    k, nav = KITCHENS[layout], NAVS[layout]
    s = k.reset(0)
    w = World(k, nav, s, me)
    placed = dict(s.items)
    counters = w.free_counters()
    pots = list(s.pots)
    reachable_pots = w.pots(("empty",))
    proof = {"chop": EventKind.CHOPPED, "prepare": EventKind.COMBINE, "cook": EventKind.COOK_START,
             "plate": EventKind.PLATE_SOUP, "serve": EventKind.SERVE, "extinguish": EventKind.FIRE_OUT,
             "clear": EventKind.DISCARD, "discard": EventKind.DISCARD, "pass": EventKind.PUT_DOWN}
    holding = None
    if macro.verb in ("prepare", "cook"):
        for veg, spot in zip(items.SOUPS[macro.arg].ingredients, counters, strict=False):
            placed[spot] = items.chopped(veg)
    if macro.verb in ("plate", "serve", "extinguish", "clear") and reachable_pots:
        idx = k.pot_index[reachable_pots[0]]
        soup = macro.arg or "bob"
        start = {"extinguish": -(k.cook_ticks + k.char_ticks)}.get(macro.verb, -k.cook_ticks)
        pots[idx] = Pot(items.SOUPS[soup].ingredients, soup, start, extinguished=macro.verb == "clear")
    if macro.verb in ("pass", "discard"):
        holding = items.fresh("tomato")
    s = dataclasses.replace(s, items=placed, pots=tuple(pots))
    if macro.verb == "serve":
        s = dataclasses.replace(s, orders=(s.orders[0]._replace(soup=macro.arg), *s.orders[1:]))
    p = s.players[me]
    s = place(s, me, p.pos, p.facing, holding)
    s = place(s, 1 - me, parking(layout, s.players[1 - me].pos, p.pos), "down")
    return k, s, proof.get(macro.verb)


def parking(layout: str, start, other):
    """A cell in the partner's region where it blocks nothing: next to no tile but
    counters, not in a corridor. (At its start on Bottleneck it stands on the only cell in
    front of the lettuce crate.)"""
    k, nav = KITCHENS[layout], NAVS[layout]
    region = nav.region[start]
    for cell in sorted(nav.floor, key=lambda c: nav.dist[start].get(c, 99)):
        x, y = cell
        near = [k.tiles.get((x + dx, y + dy)) for dx, dy in ((0, 1), (0, -1), (1, 0), (-1, 0))]
        if nav.region[cell] == region and cell != other and cell not in nav.corridor \
                and all(t in (" ", "-") for t in near):
            return cell
    return start


def run_macro(k: Kitchen, s, me: int, macro: Macro, ticks: int = 900, reflexes: bool = False):
    ex = Executor(k, me, reflexes=reflexes)
    ex.set_macro(macro)
    events = []
    for _ in range(ticks):
        step = ex.step(s)
        if step.status in (Status.DONE, Status.FAILED):
            return step, s, events
        actions = [step.action, "stay"] if me == 0 else ["stay", step.action]
        s, ev = k.step(s, actions)
        events += [e for e in ev if e.player == me]
    return step, s, events


def feasible(layout: str, me: int, macro: Macro) -> bool:
    """Can player ``me`` do this alone from its start? (Partition splits the kitchen.)"""
    k, nav = KITCHENS[layout], NAVS[layout]
    w = World(k, nav, k.reset(0), me)
    need = {"chop": lambda: w.crate(macro.arg) is not None,
            "serve": lambda: w.nearest(w.tiles("*")) is not None and bool(w.pots(("empty",))),
            "fetch": lambda: (macro.arg == "extinguisher" and bool(
                w.items_where(lambda it: it.kind == "extinguisher"))) or (
                macro.arg in items.VEGETABLES and w.crate(macro.arg) is not None) or (
                macro.arg == "plate" and w.nearest(w.tiles("P")) is not None),
            "extinguish": lambda: bool(w.pots(("empty",))) and bool(
                w.items_where(lambda it: it.kind == "extinguisher")),
            "clear": lambda: bool(w.pots(("empty",))) and w.nearest(w.tiles("P")) is not None,
            "plate": lambda: bool(w.pots(("empty",))) and w.nearest(w.tiles("P")) is not None,
            "cook": lambda: bool(w.pots(("empty",))),
            "pass": lambda: bool(w.hand_over_counters())}
    return need.get(macro.verb, lambda: True)()


CASES = [(layout, me, m) for layout in shipped_layouts() for me in (0, 1) for m in all_macros()]


@pytest.mark.parametrize("layout,me,macro", CASES, ids=[f"{c[0]}-p{c[1]}-{c[2]}" for c in CASES])
def test_every_macro_on_every_layout_from_every_start(layout, me, macro):
    k, s, proof = setup(layout, me, macro)
    nothing_to_do = macro.verb in ("extinguish", "clear") and not any(
        k.pot_phase(p, s.tick) != "empty" for p in s.pots)
    step, s, events = run_macro(k, s, me, macro)
    if nothing_to_do:  # no pot in reach, so no fire to fight: done at once
        assert step.status == Status.DONE and not events
        return
    if not feasible(layout, me, macro):
        assert step.status == Status.FAILED and step.reason
        return
    assert step.status == Status.DONE, (step.reason, [e.kind.value for e in events][-8:])
    if proof is not None:
        assert proof in [e.kind for e in events]
    if macro.verb == "fetch":
        held = s.players[me].holding
        assert held is not None and (macro.arg in held.vegetables or held.kind == macro.arg)


def two_executors(k, s, macros, ticks=600, seeds=(1, 2)):
    ex = [Executor(k, i, seed=seeds[i]) for i in range(2)]
    done = [None, None]
    for i in range(2):
        ex[i].set_macro(macros[i])
    for t in range(ticks):
        steps = [ex[i].step(s) for i in range(2)]
        for i in range(2):
            if steps[i].status in (Status.DONE, Status.FAILED) and done[i] is None:
                done[i] = (t, steps[i].status, steps[i].reason)
        if all(done):
            break
        s, _ = k.step(s, (steps[0].action, steps[1].action))
        assert s.players[0].pos != s.players[1].pos
    return done


@pytest.mark.parametrize("seeds", [(1, 2), (3, 4), (5, 6), (7, 8)])
def test_bottleneck_gap_deadlock_resolves(seeds):
    # Face to face at the one-cell gap, each needing the other side.
    k = KITCHENS["bottleneck"]
    s = place(place(k.reset(0), 0, (2, 5), "right"), 1, (3, 5), "left")
    done = two_executors(k, s, (Macro("fetch", "lettuce"), Macro("fetch", "plate")), seeds=seeds)
    assert all(d is not None and d[1] == Status.DONE for d in done), done
    assert max(d[0] for d in done) < 150  # both through the gap within 15 s of game time


def test_partition_corridor_passing():
    # Both in the left half of Partition, heading past each other.
    k = KITCHENS["partition"]
    s = place(place(k.reset(0), 0, (1, 1), "down"), 1, (1, 6), "up")
    done = two_executors(k, s, (Macro("fetch", "plate"), Macro("fetch", "tomato")))
    assert all(d is not None and d[1] == Status.DONE for d in done), done


@pytest.mark.parametrize("layout,me_at,partner_at,macro", [
    ("bottleneck", (2, 5), (3, 5), Macro("fetch", "lettuce")),  # partner parked in the gap
    ("partition", (1, 1), (1, 4), Macro("fetch", "plate")),  # partner on the only plate cell
])
def test_a_partner_that_never_moves_fails_the_macro_quickly(layout, me_at, partner_at, macro):
    k = KITCHENS[layout]
    s = place(place(k.reset(0), 0, me_at, "down"), 1, partner_at, "down")
    step, s, _ = run_macro(k, s, 0, macro, ticks=400)
    assert step.status == Status.FAILED and "blocked by partner" in step.reason
    assert s.tick * k.settings.tick_seconds <= 10.0  # gives up within 10 s of game time
    assert FAIL_AFTER * k.action_gaps[0] * k.settings.tick_seconds <= 5.0


def test_never_walks_into_the_partner():
    k = KITCHENS["ring"]
    s = place(place(k.reset(0), 0, (1, 2), "down"), 1, (1, 4), "up")  # partner in the corridor
    ex = Executor(k, 0)
    ex.set_macro(Macro("fetch", "plate"))  # the plate is past the partner, down the corridor
    for _ in range(200):
        st = ex.step(s)
        if st.status != Status.RUNNING:
            break
        before = s.players[0].pos
        s, _ = k.step(s, (st.action, "stay"))
        assert s.players[0].pos != s.players[1].pos
        assert not (before != s.players[0].pos and s.players[0].pos == (1, 4))
    assert st.status == Status.DONE  # it went round the ring instead


def test_preemption_takes_effect_at_the_next_tick():
    k = KITCHENS["ring"]
    s = k.reset(0)
    ex = Executor(k, 0)
    ex.set_macro(Macro("chop", "tomato"))
    for _ in range(6):
        st = ex.step(s)
        s, _ = k.step(s, (st.action, "stay"))
    ex.set_macro(Macro("fetch", "plate"))
    fresh = Executor(k, 0)
    fresh.set_macro(Macro("fetch", "plate"))
    for _ in range(8):  # the very next decisions are the new macro's, tick for tick
        st, expected = ex.step(s), fresh.step(s)
        assert st.macro == Macro("fetch", "plate") and st.action == expected.action
        s, _ = k.step(s, (st.action, "stay"))


def test_fire_reflex_overrides_and_can_be_switched_off():
    k = KITCHENS["ring"]
    s = k.reset(0)
    burning = Pot(("lettuce", "tomato"), "bob", -(k.cook_ticks + k.char_ticks))
    s = dataclasses.replace(s, pots=(burning, s.pots[1]))
    for reflexes, expect_out in ((True, True), (False, False)):
        ex = Executor(k, 0, reflexes=reflexes)
        ex.set_macro(Macro("wait"))
        st, state, events = ex.step(s), s, []
        for _ in range(400):
            st = ex.step(state)
            if ex.macro is None and not reflexes:
                ex.set_macro(Macro("wait"))
            state, ev = k.step(state, (st.action, "stay"))
            events += ev
        assert (EventKind.FIRE_OUT in [e.kind for e in events]) is expect_out


def test_idle_player_steps_out_of_a_corridor_for_a_waiting_partner():
    k = KITCHENS["ring"]
    s = place(place(k.reset(0), 0, (1, 3), "down"), 1, (1, 4), "up")
    ex = Executor(k, 0)
    for _ in range(10):
        st = ex.step(s)
        s, _ = k.step(s, (st.action, "stay"))
    assert s.players[0].pos != (1, 3)


def test_decisions_respect_the_speed_limit():
    k = KITCHENS["ring"]
    s = k.reset(0)
    ex = Executor(k, 0)
    ex.set_macro(Macro("chop", "onion"))
    for _ in range(300):
        s, _ = k.step(s, (ex.step(s).action, "stay"))
    assert s.players[0].ignored_actions == 0


def test_player_type_is_plain_data():
    assert isinstance(KITCHENS["ring"].reset(0).players[0], Player)


# ------------------------------------------------------------------ narrow places
CORRIDOR = """\
name: corridor-with-pocket
starts: 1,2 9,2
grid:
-----------
-TL/O--PU*-
-         -
----- -B-f-
-----------
"""
"""A one-tile corridor (row 2) with a single side pocket (5,3): players starting at its two
ends must pass each other there to reach what lies at the far end."""


def two_executors_flags(k, s, macros, ticks=900):
    """Like two_executors, also returning each tick's (blocked, blocked) flags."""
    ex = [Executor(k, i) for i in range(2)]
    for i in range(2):
        ex[i].set_macro(macros[i])
    done: list = [None, None]
    flags = []
    cells: list[set] = [set(), set()]
    for t in range(ticks):
        steps = [ex[i].step(s) for i in range(2)]
        flags.append((ex[0].blocked, ex[1].blocked))
        for i in range(2):
            cells[i].add(s.players[i].pos)
        for i in range(2):
            if steps[i].status in (Status.DONE, Status.FAILED) and done[i] is None:
                done[i] = (t, steps[i].status, steps[i].reason)
                ex[i].set_macro(None)
        if all(done):
            break
        s, _ = k.step(s, (steps[0].action, steps[1].action))
        assert s.players[0].pos != s.players[1].pos
    return done, flags, cells


@pytest.mark.parametrize("speeds", ["2.5 keyboard", "2.5 2.5", "keyboard 2.5"])
def test_one_tile_corridor_two_players_pass_without_deadlock(speeds):
    from dualmind.game import parse_layout
    from dualmind.game.reach import count_deadlocks

    k = Kitchen(parse_layout(CORRIDOR.replace("grid:", f"speeds: {speeds}\ngrid:")))
    s = k.reset(0)
    # Player 0 needs the pot at the far right, player 1 the onion crate at the far left.
    done, flags, _ = two_executors_flags(k, s, (Macro("fetch", "plate"), Macro("fetch", "lettuce")))
    assert all(d is not None and d[1] == Status.DONE for d in done), done
    assert count_deadlocks(flags, k.settings.tick_seconds) == 0


def test_the_yield_rule_is_deterministic():
    from dualmind.game import parse_layout

    k = Kitchen(parse_layout(CORRIDOR))
    runs = [two_executors_flags(k, k.reset(0), (Macro("fetch", "plate"), Macro("fetch", "lettuce")))
            for _ in range(2)]
    assert runs[0][0] == runs[1][0] and runs[0][1] == runs[1][1]
    # Exactly one of them made way into the pocket: both sides applied the same rule.
    in_pocket = [(5, 3) in runs[0][2][i] for i in range(2)]
    assert in_pocket.count(True) == 1, in_pocket


def test_scripted_pair_in_a_corridor_kitchen_has_no_deadlock():
    from dualmind.agents.executor import deadlocks
    from dualmind.agents.scripted import ScriptedAgent
    from dualmind.game import parse_layout

    k = Kitchen(parse_layout(CORRIDOR))
    for seed in range(3):
        agents = (ScriptedAgent(), ScriptedAgent())
        s = k.reset(seed)
        for i, a in enumerate(agents):
            a.reset(k, i, 2 * seed + i)
        for _ in range(k.horizon):
            s, _ = k.step(s, (agents[0].act(s).action, agents[1].act(s).action))
            assert s.players[0].pos != s.players[1].pos
        assert deadlocks(agents, s.tick, k.settings.tick_seconds) == 0
        assert s.served >= 1


def test_blocked_ticks_feed_the_deadlock_count():
    from dualmind.agents.executor import deadlocks

    class Stub:
        def __init__(self, ticks):
            self.executor = type("E", (), {"blocked_ticks": ticks})()

    both = list(range(10, 50))  # 40 ticks = 4 s, both blocked
    assert deadlocks((Stub(both), Stub(both)), 100, 0.1) == 1
    assert deadlocks((Stub(both), Stub([])), 100, 0.1) == 0
    assert deadlocks((Stub(both), object()), 100, 0.1) is None  # a human: cannot tell


def test_the_body_foresees_where_its_macro_ends_without_changing_itself():
    """``finish_state`` plays the next ticks on a copy: the state it returns is the one in
    which the real executor, stepped on the same ticks, reports the macro done."""
    k, state, _ = setup("ring", 0, Macro("chop", "onion"))
    body = Executor(k, 0, nav=NAVS["ring"])
    body.set_macro(Macro("chop", "onion"))
    actions, foreseen = ["stay", "stay"], None
    for _ in range(400):
        step = body.step(state)
        if step.status == Status.DONE:
            break
        assert step.status == Status.RUNNING
        if foreseen is None and step.action != "stay":
            memory = dict(body.memory)
            foreseen = body.finish_state(state, step.action, horizon=12)
            assert body.macro == Macro("chop", "onion") and body.memory == memory
            assert body.finish_state(state, step.action, horizon=0) is None
        actions[0] = step.action
        state, _ = k.step(state, actions)
    else:
        raise AssertionError("the chop never finished")
    assert foreseen == state  # the partner stood still, as the projection assumes
