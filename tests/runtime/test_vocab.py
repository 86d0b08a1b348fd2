"""One source per vocabulary: every list the user sees is read from dualmind.vocab."""

from __future__ import annotations

import pytest

from dualmind import vocab
from dualmind.agents.mind_agent import MindConfig
from dualmind.cli import build_parser
from dualmind.game.layout import shipped_layouts
from dualmind.players import make_player
from dualmind.runtime.agent import capabilities


def test_the_layout_list_is_the_layout_files():
    assert list(vocab.LAYOUTS) == shipped_layouts()


@pytest.mark.parametrize("name", [*vocab.AGENTS, *vocab.PARTNERS, *vocab.PARTNER_ALIASES])
def test_every_name_builds_a_player_that_keeps_the_contract(name):
    player = make_player(name, MindConfig(slow="rules", fast="rules"))
    caps = capabilities(player)
    assert (caps.mind is not None) == (name in vocab.MIND_AGENTS)
    assert (caps.talker is not None) == (vocab.canonical_partner(name) in vocab.PARTNERS)


def test_unknown_names_are_refused_with_the_list():
    with pytest.raises(ValueError, match="agents are hla, smoa"):
        make_player("nobody")


def test_cli_defaults_and_choices_come_from_the_vocabulary():
    parser = build_parser()
    play = parser.parse_args(["play"])
    assert (play.slow_latency, play.fast_latency) == (vocab.SLOW_LATENCY, vocab.FAST_LATENCY)
    assert play.layout == vocab.DEFAULT_LAYOUT and play.fast_backend == vocab.DEFAULT_FAST_BACKEND
    ev = parser.parse_args(["eval"])
    assert ev.layouts.split(",") == list(vocab.LAYOUTS)
    assert ev.partners.split(",") == list(vocab.DEFAULT_PARTNERS)
    assert set(ev.agents.split(",")) <= set(vocab.AGENTS)
    assert (ev.slow_latency, ev.fast_latency) == (vocab.SLOW_LATENCY, vocab.FAST_LATENCY)
    with pytest.raises(SystemExit):
        parser.parse_args(["play", "--clock", "sundial"])


def test_mind_defaults_come_from_the_vocabulary():
    config = MindConfig()
    assert (config.slow_latency, config.fast_latency) == (vocab.SLOW_LATENCY, vocab.FAST_LATENCY)


def test_the_web_page_lists_are_served_from_the_vocabulary(tmp_path):
    from fastapi.testclient import TestClient

    from dualmind.web.app import create_app

    with TestClient(create_app(tmp_path / "r.sqlite"), base_url="http://127.0.0.1") as client:
        options = client.get("/api/options").json()
    assert options["agents"] == list(vocab.WEB_AGENTS)
    assert options["backends"] == list(vocab.SLOW_BACKENDS)
    assert options["layouts"] == list(vocab.LAYOUTS)
