"""Generated kitchens: deterministic, valid, solvable; requests that cannot be met say why;
``gen:`` names load anywhere a layout name does. Also the reachability analysis they are
checked with (zones, hand-over counters, the solvability search) and the deadlock count."""

from __future__ import annotations

from pathlib import Path

import pytest

from dualmind.cli import main
from dualmind.game import load_layout, parse_layout
from dualmind.game.generate import (
    MIN_SIZE,
    STYLES,
    GenerateError,
    expand_layout_names,
    generate,
    parse_spec,
)
from dualmind.game.reach import analyze, count_deadlocks, path_order, solvability, solvability_reasons

HELD_OUT = Path(__file__).resolve().parents[2] / "docs" / "layouts"

SIZED = [(seed, style, size) for seed in (0, 1, 2) for style in STYLES
         for size in ((10, 7), (13, 9))]


@pytest.mark.parametrize("seed", [0, 7, 123, 99_999])
def test_same_seed_same_kitchen(seed):
    assert generate(seed) == generate(seed)
    for style in STYLES:
        assert generate(seed, (10, 7), style) == generate(seed, (10, 7), style)


def test_different_seeds_give_different_kitchens():
    kitchens = {parse_layout(generate(s)).grid for s in range(30)}
    assert len(kitchens) == 30


def test_default_style_cycles_with_the_seed():
    styles = [generate(s).split("--style ")[1].split()[0] for s in range(10)]
    assert styles == [*STYLES, *STYLES]


@pytest.mark.parametrize("seed", range(50))
def test_every_generated_kitchen_is_valid_and_solvable(seed):
    layout = parse_layout(generate(seed), source="gen")
    assert all(solvability(analyze(layout)).values())
    assert layout.cells("U") and layout.cells("*")


@pytest.mark.parametrize("seed,style,size", SIZED, ids=[f"{s}-{st}-{w}x{h}" for s, st, (w, h) in SIZED])
def test_every_style_and_size_is_valid_and_solvable(seed, style, size):
    layout = parse_layout(generate(seed, size, style), source="gen")
    assert (layout.width, layout.height) == size
    reach = analyze(layout)
    assert all(solvability(reach).values()), solvability_reasons(reach)
    if style == "partition":  # two rooms with no way through: everything crosses a counter
        assert not reach.shared and reach.handover()
    if style in ("open", "island", "bottleneck"):
        assert reach.shared


def test_generated_kitchens_pass_check_layout(tmp_path, capsys):
    for seed in range(5):
        out = tmp_path / f"k{seed}.layout"
        assert main(["layouts", "generate", "--seed", str(seed), "--out", str(out)]) == 0
        assert main(["check-layout", str(out)]) == 0
        assert f"{out}: ok" in capsys.readouterr().out


def test_generate_prints_to_stdout_by_default(capsys):
    assert main(["layouts", "generate", "--seed", "4", "--style", "corridor", "--size", "11x5"]) == 0
    text = capsys.readouterr().out
    assert text == generate(4, (11, 5), "corridor")
    assert parse_layout(text).width == 11


@pytest.mark.parametrize("style", STYLES)
def test_too_small_a_size_says_why(style, capsys):
    w, h = MIN_SIZE[style]
    with pytest.raises(GenerateError, match=f"too small for an? {style} kitchen.*at least {w}x{h}"):
        generate(1, (w - 1, h), style)
    assert main(["layouts", "generate", "--seed", "1", "--style", style, "--size", f"{w}x{h - 1}"]) == 2
    assert "too small" in capsys.readouterr().err


def test_a_size_that_cannot_hold_the_stations_says_so():
    with pytest.raises(GenerateError, match="counter cells next to the floor and needs"):
        generate(1, (5, 4), "open")


def test_bad_requests_are_refused_with_a_reason():
    with pytest.raises(GenerateError, match="unknown style 'maze'"):
        generate(1, None, "maze")
    with pytest.raises(GenerateError, match="WIDTHxHEIGHT"):
        parse_spec("gen:1:9by7")
    with pytest.raises(GenerateError, match="too large"):
        generate(1, (200, 9), "open")
    with pytest.raises(GenerateError, match="whole-number seed"):
        load_layout("gen:x")


def test_gen_names_load_wherever_a_layout_name_does():
    layout = load_layout("gen:17")
    assert layout.name == "gen:17" and layout.grid == parse_layout(generate(17)).grid
    sized = load_layout("gen:3:corridor:11x5")
    assert (sized.width, sized.height) == (11, 5) and sized.name == "gen:3:corridor:11x5"
    # The name a kitchen is saved under loads the same kitchen again.
    named = parse_layout(generate(5, (9, 6), "island"))
    assert load_layout(named.name).grid == named.grid


def test_layout_ranges_expand():
    assert expand_layout_names(["ring", "gen:3-5", "gen:8"]) == ["ring", "gen:3", "gen:4", "gen:5", "gen:8"]
    with pytest.raises(GenerateError, match="A <= B"):
        expand_layout_names(["gen:5-3"])


# ------------------------------------------------------------------ reachability
NO_WAY_ACROSS = """\
starts: 1,1 1,4
grid:
-TLO/--
-     -
-------
-------
-     *
-UUP---
"""


def test_solvability_needs_a_counter_both_players_reach():
    reach = analyze(parse_layout(NO_WAY_ACROSS))
    assert not reach.shared and not reach.handover()  # the wall is two counters thick
    reasons = solvability_reasons(reach)
    assert not any(solvability(reach).values())
    assert all("board" in r or "plate" in r or "pot" in r for r in reasons.values()), reasons
    thin = NO_WAY_ACROSS.replace("-------\n-------\n", "-------\n")
    thin = thin.replace("starts: 1,1 1,4", "starts: 1,1 1,3")
    assert all(solvability(analyze(parse_layout(thin))).values())


def test_a_one_tile_path_is_split_between_the_players():
    layout = load_layout(str(HELD_OUT / "u-corridors.layout"))
    assert path_order(frozenset(layout.cells(" "))) is not None
    reach = analyze(layout)
    top, bottom = reach.zones
    assert not reach.shared and layout.starts[0] in top and layout.starts[1] in bottom
    assert all(y == 1 for _, y in top)  # the split is at the joint: one corridor each
    assert sorted(reach.handover()) == [(x, 2) for x in range(1, 7)]  # the shared wall
    assert all(solvability(reach).values())


def test_an_open_room_is_shared():
    reach = analyze(load_layout("ring"))
    assert reach.shared and not reach.handover()
    assert all(solvability(reach).values())


def test_count_deadlocks():
    tick = 0.1
    assert count_deadlocks([], tick) == 0
    both = [(True, True)]
    assert count_deadlocks(both * 30, tick) == 0  # exactly 3 s is not more than 3 s
    assert count_deadlocks(both * 31, tick) == 1
    assert count_deadlocks(both * 200, tick) == 1  # one long jam is one deadlock
    assert count_deadlocks(both * 31 + [(True, False)] + both * 31, tick) == 2
    assert count_deadlocks([(True, False)] * 100 + [(False, True)] * 100, tick) == 0
