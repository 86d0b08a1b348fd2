"""The agent contract: what every player must provide and what a player with minds adds.

Four :class:`typing.Protocol` classes say it once:

* :class:`Player` -- every player (a script, a model, a simulated or a real human):
  ``name``, ``reset`` and ``act``.
* :class:`MacroPlayer` -- a player that acts through macro actions and logs each one
  it takes up (``macros``), which records and the judge's time-to-macro read.
* :class:`MindPlayer` -- a macro player whose minds run beside the tick loop: it gets a
  scheduler for the episode's clock (``latency_models``, ``attach``), reports the calls
  its minds finished (``drain_calls``), shows what it means to do (``mind_view``) and
  adds its own figures to the summary (``summary``).
* :class:`TalkingPlayer` -- a simulated human that talks and keeps the ground truth of
  every message (``talk_log``), which the compliance judge scores the other player by.

:func:`capabilities` is the one place that checks which of these a player is; the episode
driver, the web session and the benchmarks ask it instead of probing attributes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, runtime_checkable

if TYPE_CHECKING:  # annotations only: the runtime never needs these at import time
    from dualmind.game.rules import Kitchen
    from dualmind.game.state import State
    from dualmind.runtime.scheduler import CallRecord, LatencyModel, ThreadScheduler, VirtualScheduler


class Decision(NamedTuple):
    """What a player does in one tick: an atomic action, and optionally a chat message."""

    action: str = "stay"
    say: str | None = None


class MindView(NamedTuple):
    """What a player with minds means to do right now (the browser shows it; the
    compliance judge reads a message in the light of it)."""

    intention: Any = None
    """The intention in force (an ``agents.intention.Intention``), None before any."""
    steps: str = ""
    """The steps still to do, as text: ``chop(tomato) x2, cook(bob) x∞``."""
    macro: str = ""
    """The macro the body is running, "" when none."""


class CallOutput(Protocol):
    """What one finished mind call produced, as the record keeps it."""

    prompt: str
    output: str
    model_errors: int


@runtime_checkable
class Player(Protocol):
    """A player. ``act`` is called once per tick and must return at once."""

    name: str

    def reset(self, kitchen: Kitchen, me: int, seed: int) -> None:
        """Start an episode as player ``me`` (0 or 1)."""

    def act(self, state: State) -> Decision | str:
        """This tick's decision, from the current state (chat included); a bare action
        string means that action and no chat."""


@runtime_checkable
class MacroPlayer(Player, Protocol):
    """A player that acts through macro actions and logs each one it takes up."""

    macros: Sequence[tuple[int, str]]
    """(tick, macro text) each time the body took a macro up, oldest first; only ever
    appended to within an episode (the driver records it from a cursor)."""


@runtime_checkable
class MindPlayer(MacroPlayer, Protocol):
    """A player with minds. The driver calls ``attach`` (before ``reset``) with a scheduler
    built from ``latency_models``, then each tick ``act`` and ``drain_calls``."""

    def latency_models(self) -> Mapping[str, LatencyModel]:
        """The game-time cost of each mind's calls, by mind name."""

    def attach(self, scheduler: VirtualScheduler | ThreadScheduler) -> None:
        """The scheduler of this episode's clock; every mind call goes through it."""

    def drain_calls(self) -> list[tuple[CallRecord, CallOutput | None]]:
        """The mind calls finished since the last drain, with what each produced (None
        when the call raised)."""

    def mind_view(self) -> MindView:
        """What it means to do now."""

    def summary(self) -> dict[str, Any]:
        """Its own end-of-episode figures (fallbacks, latencies...), merged into the summary."""


@runtime_checkable
class TalkingPlayer(Player, Protocol):
    """A simulated human that talks; ``talk_log`` holds every message it sent with its
    ground truth (``partners.talker.TalkRecord``), empty if it said nothing."""

    talk_log: Sequence[Any]


@dataclass(frozen=True)
class Capabilities:
    """What one player provides beyond :class:`Player`: itself typed as each protocol it
    satisfies, or None."""

    macros: MacroPlayer | None = None
    mind: MindPlayer | None = None
    talker: TalkingPlayer | None = None


def capabilities(player: object) -> Capabilities:
    """Check ``player`` against the contract; TypeError if it is not even a :class:`Player`."""
    if not isinstance(player, Player):
        raise TypeError(f"{type(player).__name__} is not a player: it needs name, reset and act")
    return Capabilities(macros=player if isinstance(player, MacroPlayer) else None,
                        mind=player if isinstance(player, MindPlayer) else None,
                        talker=player if isinstance(player, TalkingPlayer) else None)
