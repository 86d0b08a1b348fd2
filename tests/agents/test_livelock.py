"""Two players meeting head-on in a ring of one-tile lanes get past each other: going
round a walking partner must not go in circles (Executor._wait_instead_of_going_round)."""

from __future__ import annotations

import pytest

from dualmind.agents.executor import Executor, Status
from dualmind.agents.macros import Macro
from dualmind.game import Kitchen, parse_layout

# Two one-tile lanes (rows 1 and 3) joined at both ends (x 2-3 and x 8-9 in row 2): a
# ring. The plates are at the far east of the top lane, the crates at the far west.
RING = """\
name: ring-lanes
starts: {starts}
speeds: {speeds}
grid:
-TLO-----PU-
-          *
--  ----  --
-          -
-/---f---B--
"""


def walk_past(starts: str, speeds: str, macros: tuple[Macro, Macro], ticks: int = 300):
    """Both executors run their macro; returns each one's (tick, status) once it ends
    (None if it never does) and every cell each player stood on."""
    k = Kitchen(parse_layout(RING.format(starts=starts, speeds=speeds)))
    s = k.reset(0)
    ex = [Executor(k, i, reflexes=False) for i in range(2)]
    for i in range(2):
        ex[i].set_macro(macros[i])
    done: list = [None, None]
    cells: list[set] = [set(), set()]
    for t in range(ticks):
        steps = [e.step(s) for e in ex]
        for i in range(2):
            cells[i].add(s.players[i].pos)
            if steps[i].status != Status.RUNNING and done[i] is None:
                done[i] = (t, steps[i].status)
                ex[i].set_macro(None)
        if all(done):
            break
        s, _ = k.step(s, (steps[0].action, steps[1].action))
        assert s.players[0].pos != s.players[1].pos
    return done, cells


@pytest.mark.parametrize(("starts", "speeds", "crate"), [
    ("3,1 8,1", "2.5 2.5", "lettuce"),  # alike: they mirror each other round the ring
    ("2,1 8,1", "2.5 2", "tomato"),  # a slower partner, as a 2-keys/s persona
])
def test_players_meeting_head_on_in_a_ring_get_past_each_other(starts, speeds, crate):
    # Player 0 walks east for a plate, player 1 west for a crate, in the same lane. With
    # the rule switched off both went round each time they met, and met again in the
    # other lane, for all 30 s: neither finished, and neither ever stood blocked.
    done, _ = walk_past(starts, speeds, (Macro("fetch", "plate"), Macro("fetch", crate)))
    assert all(d is not None and d[1] == Status.DONE for d in done), done
    assert max(t for t, _ in done) < 150  # within 15 s: one meeting, one wait, one pass

