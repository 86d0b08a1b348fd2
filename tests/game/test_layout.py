"""Layout files: the shipped ones load; each kind of error names its line and column."""

from __future__ import annotations

import pytest

from dualmind.errors import LayoutError
from dualmind.game import load_layout, parse_layout, shipped_layouts
from dualmind.game.layout import Layout

GOOD = """\
# a comment
starts: 1,1 4,2
grid:
-TLOP-
-    /
U    *
-fB---
"""


def bad(text: str | bytes) -> LayoutError:
    with pytest.raises(LayoutError) as info:
        parse_layout(text, source="x.layout")
    return info.value


def test_all_four_reference_layouts_ship():
    assert shipped_layouts() == ["bottleneck", "partition", "quick", "ring"]
    for name in shipped_layouts():
        assert isinstance(load_layout(name), Layout)


def test_ring_matches_game_md():
    ring = load_layout("ring")
    assert ring.grid[0] == "-LLTTOO-" and ring.grid[7] == "-fB**BP-"
    assert ring.starts == ((1, 1), (5, 1))


def test_quick_overrides_orders_and_speed():
    quick = load_layout("quick")
    assert quick.settings.open_orders == 4 and quick.settings.speeds == (3.5, None)
    assert load_layout("ring").settings.open_orders == 3


def test_settings_override_defaults():
    lay = parse_layout(GOOD.replace("grid:", "cook_seconds: 10\norder_seconds: david=90\ngrid:"))
    assert lay.settings.cook_seconds == 10 and lay.settings.order_seconds["david"] == 90
    assert lay.settings.order_seconds["bob"] == 60


def test_unknown_tile_names_line_and_column():
    e = bad(GOOD.replace("-    /", "-  X /"))
    assert (e.line, e.col) == (5, 4) and "unknown tile 'X'" in e.message


def test_missing_crate_for_an_orderable_soup():
    e = bad(GOOD.replace("-TLOP-", "-TL-P-"))
    assert "no reachable onion crate" in e.message


def test_unreachable_crate_is_reported_at_the_crate():
    text = "starts: 1,1 2,1\ngrid:\n-TLP---\n-   /-O\nU   *--\n-fB----\n"
    e = bad(text)
    assert "no reachable onion crate" in e.message and (e.line, e.col) == (4, 7)


def test_unreachable_pot():
    text = "starts: 1,1 2,1\ngrid:\n-TLOP-\n-  /-U\nU  *--\n-fB---\n"
    e = bad(text)
    assert "unreachable pot" in e.message and (e.line, e.col) == (4, 6)


def test_unreachable_serving_window():
    text = "starts: 1,1 2,1\ngrid:\n-TLOP-\n-  /-*\nU  *--\n-fB---\n"
    e = bad(text)
    assert "unreachable serving window" in e.message and (e.line, e.col) == (4, 6)


def test_open_border_floor_on_the_edge():
    e = bad(GOOD.replace("-    /", "     /"))
    assert "open border" in e.message and (e.line, e.col) == (5, 1)


def test_open_border_short_row():
    e = bad(GOOD.replace("-    /", "-    "))
    assert "open border" in e.message and (e.line, e.col) == (5, 6)


def test_too_few_start_cells():
    e = bad(GOOD.replace("starts: 1,1 4,2", "starts: 1,1"))
    assert "too few start cells" in e.message and e.line == 2


def test_no_start_cells_at_all():
    e = bad(GOOD.replace("starts: 1,1 4,2\n", ""))
    assert "too few start cells" in e.message


def test_start_on_a_counter():
    e = bad(GOOD.replace("starts: 1,1 4,2", "starts: 1,1 0,0"))
    assert "not a floor cell" in e.message


def test_empty_file():
    e = bad("")
    assert "empty layout file" in e.message and (e.line, e.col) == (1, 1)
    assert "empty" in bad("# only a comment\n\n").message


def test_binary_file():
    e = bad(b"starts: 1,1\n\x89PNG\xff\xfe")
    assert "not a text file" in e.message and e.line == 2


def test_nul_byte():
    e = bad(b"grid:\n--\x00--\n")
    assert "not a text file" in e.message and (e.line, e.col) == (2, 3)


def test_unknown_setting():
    e = bad(GOOD.replace("grid:", "colour: red\ngrid:"))
    assert "unknown setting 'colour'" in e.message and e.line == 3


def test_bad_number_names_the_value_column():
    e = bad(GOOD.replace("grid:", "cook_seconds: soon\ngrid:"))
    assert "cook_seconds must be a number" in e.message and (e.line, e.col) == (3, 15)


def test_setting_out_of_range():
    e = bad(GOOD.replace("grid:", "chop_steps: 0\ngrid:"))
    assert "chop_steps" in e.message


def test_no_grid_section():
    assert "no 'grid:'" in bad("starts: 1,1 2,1\n").message


def test_error_text_is_file_line_col():
    e = bad(GOOD.replace("-    /", "-  X /"))
    assert str(e).startswith("x.layout:5:4: ")


def test_missing_file_is_a_layout_error(tmp_path):
    with pytest.raises(LayoutError, match="cannot read layout"):
        load_layout(tmp_path / "nope.layout")


# ---------------------------------------------------------------- limits (issue 15)
def _box(width: int, height: int) -> str:
    """A closed kitchen of width x height tiles: counters round a floor, every station on
    the top row."""
    top = "-TLOP/U*" + "-" * (width - 8)
    rows = [top] + ["-" + " " * (width - 2) + "-" for _ in range(height - 2)] + ["-fB" + "-" * (width - 3)]
    return "starts: 1,1 2,1\ngrid:\n" + "\n".join(rows) + "\n"


def test_the_largest_layout_loads_and_one_more_tile_is_refused():
    assert parse_layout(_box(40, 40)).width == 40  # 38 x 38 = 1,444 floor cells: allowed
    e = bad(_box(65, 10))
    assert "too wide" in e.message and "64" in e.message and (e.line, e.col) == (3, 65)
    e = bad(_box(10, 65))
    assert "too tall" in e.message and (e.line, e.col) == (3 + 64, 1)


def test_too_many_floor_cells_names_the_first_cell_over():
    e = bad(_box(64, 64))  # 62 x 62 = 3,844 floor cells
    assert "too many floor cells" in e.message and "1,500" in e.message
    # floor cell 1,501 is the 13th of the 25th floor row (62 per row): grid row 25, column 14
    assert (e.line, e.col) == (3 + 25, 14)


def test_a_huge_file_is_refused_without_reading_it_whole(tmp_path):
    f = tmp_path / "big.layout"
    f.write_bytes(b"# " + b"x" * 10_000_000)
    with pytest.raises(LayoutError, match="too large"):
        load_layout(f)


@pytest.mark.parametrize("setting, word", [
    ("episode_seconds: 1e308", "episode_seconds"), ("episode_seconds: inf", "episode_seconds"),
    ("episode_seconds: nan", "episode_seconds"), ("tick_seconds: 1e-300", "tick_seconds"),
    ("cook_seconds: -5", "cook_seconds"), ("order_seconds: david=1e308", "order_seconds"),
    ("speeds: 1e309 keyboard", "speeds"), ("bonus: david=99999999999999999999", "bonus"),
    ("open_orders: 100000000", "open_orders"),
])
def test_numbers_are_finite_positive_and_bounded(setting, word):
    e = bad(GOOD.replace("grid:", f"{setting}\ngrid:"))
    assert word in e.message and "invalid settings" in e.message
    assert e.line == 3  # the line of the setting at fault (line 2, starts, comes first)


def test_names_hold_no_control_characters_and_are_bounded():
    e = bad(GOOD.replace("grid:", "name: ring\x1b[2Jgone\ngrid:"))
    assert "control character" in e.message and (e.line, e.col) == (3, 11)
    e = bad(GOOD.replace("grid:", "name: " + "n" * 65 + "\ngrid:"))
    assert "at most 64" in e.message
    e = bad(GOOD.replace("grid:", "description: \u202eevil\ngrid:"))
    assert "control character" in e.message


def test_game_lengths_outside_the_range_are_errors_not_overflows():
    from dualmind.errors import SettingsError
    from dualmind.game.settings import Settings

    settings = Settings()
    for seconds in (float("inf"), float("nan"), -5.0, 1e308):
        with pytest.raises(SettingsError, match="seconds"):
            settings.ticks(seconds)
    assert settings.ticks(1.0) == 10


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_setting():
    # Notepad saves UTF-8 with a BOM; it made "name" an unknown setting '\ufeffname'.
    layout = parse_layout(b"\xef\xbb\xbfname: bom\n" + GOOD.encode(), source="x.layout")
    assert layout.name == "bom"
    assert parse_layout("\ufeff" + GOOD).starts == ((1, 1), (4, 2))


def test_trailing_spaces_are_named_on_their_own_row():
    # Before, every other row was called short ("row is 6 tiles wide, the grid 9").
    e = bad(GOOD.replace("-    /\n", "-    /   \n"))
    assert "trailing spaces" in e.message and (e.line, e.col) == (5, 7)


def test_a_kitchen_without_a_reachable_extinguisher_is_flagged_in_its_summary():
    # Valid (it can be played) but a fire there never goes out: check-layout said only "ok".
    assert parse_layout(GOOD).warnings() == []
    walled = parse_layout(GOOD.replace("-fB---", "--B---").replace("-TLOP-", "fTLOP-"))
    missing = parse_layout(GOOD.replace("-fB---", "--B---"))
    for layout, why in ((walled, "no player can reach it"), (missing, "there is none")):
        assert "warning: no fire extinguisher" in layout.summary() and why in layout.summary()
