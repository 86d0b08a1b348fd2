"""A person's first game, in a real browser: Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from dualmind.runtime.record import list_episodes

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (.ci/run installs it)")]


@pytest.fixture
def page(tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        yield page
        browser.close()


def test_a_whole_game_in_the_browser(live_server, page, tmp_path):
    shots = Path(os.environ.get("DUALMIND_SCREENSHOTS", tmp_path / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)

    def shot(name: str) -> None:
        page.screenshot(path=str(shots / f"{name}.png"))

    # The page runs under its Content-Security-Policy (no inline script, no eval): the
    # browser reports any violation on the console. (Waits below use locators, which
    # Playwright evaluates outside the page, for the same reason.)
    from playwright.sync_api import expect

    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(live_server.url)
    page.wait_for_selector("#layout option", state="attached")
    page.select_option("#layout", "ring")
    page.select_option("#agent", "hla")
    # The learned interpreter answers in milliseconds; the default LLM minds (when
    # installed) take seconds on a CPU, which this test of the page does not measure.
    page.select_option("#backend", "learned")
    page.fill("#seconds", "25")
    page.fill("#slow", "0.5")
    shot("01-setup")
    page.click("#start")
    page.wait_for_selector("body[data-state=running]", timeout=30_000)
    expect(page.locator("#status .score")).not_to_have_text("")
    shot("02-started")

    # The human (orange) starts under the onion crate facing down: turn up, take an onion.
    page.keyboard.press("ArrowUp")
    page.wait_for_timeout(300)
    page.keyboard.press(" ")
    expect(page.locator("#status .held")).to_contain_text("onion", timeout=5_000)
    shot("03-holding-onion")
    page.keyboard.press("ArrowLeft")  # a move: the human walks while the agent cooks
    page.wait_for_timeout(300)

    page.fill("#chatinput", "what are the orders?")
    page.keyboard.press("Enter")
    page.wait_for_selector("#chatlog .human")
    page.wait_for_selector("#chatlog .agent", timeout=10_000)
    reply = page.inner_text("#chatlog .agent")
    assert "Open orders" in reply
    assert page.inner_text("#macro") not in ("", "-")  # the agent's macro is on show
    shot("04-agent-replied")

    page.wait_for_selector("body[data-state=over]", timeout=40_000)
    assert "score" in page.inner_text("#result")
    page.check("input[name=understood][value='5']")
    page.check("input[name=helpful][value='4']")
    page.click("#questions button")
    expect(page.locator("#thanks")).to_contain_text("Thank")
    shot("05-summary")

    (episode,) = list_episodes(live_server.records)
    assert episode.finished and episode.ticks == 250

    page.goto(f"{live_server.url}/records")
    page.wait_for_selector("button.replay")
    assert "finished" in page.inner_text("#games")
    shot("06-records")
    page.click("button.replay")
    page.click("[data-speed='4']")
    page.wait_for_selector("body[data-replay=done]", timeout=30_000)
    assert "tick 251 / 251" in page.inner_text("#progress")
    shot("07-replayed")
    assert violations == []
    if os.environ.get("DUALMIND_SCREENSHOTS") is None and shutil.which("true"):
        assert len(list(shots.glob("*.png"))) == 7
