"""The numbers of the game, all of them settings with GAME.md's defaults.

A layout file overrides the ones it names; everything else keeps the default.
Times are in seconds of game time; the rules turn them into ticks once.

Every number is finite and inside a stated range (``LIMITS``): a tick lasts 0.01 to 1 s,
an episode at most one hour, a game at most ``MAX_TICKS`` ticks, so no setting can make
a game that never ends, a count that overflows or a loop that spins forever.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

from dualmind.errors import SettingsError
from dualmind.game.items import SOUPS

MAX_TICKS = 360_000
"""The most ticks one episode may hold (an hour at 10 ticks a second)."""
MAX_GAME_SECONDS = 3600.0
"""The longest episode, and the bound on every other duration."""

LIMITS: dict[str, tuple[float, float]] = {
    # name: (smallest, largest) allowed value, both inclusive
    "tick_seconds": (0.01, 1.0),
    "episode_seconds": (0.01, MAX_GAME_SECONDS),
    "cook_seconds": (0.01, MAX_GAME_SECONDS),
    "char_seconds": (0.01, MAX_GAME_SECONDS),
    "extinguish_seconds": (0.01, MAX_GAME_SECONDS),
    "regrow_seconds": (0.01, MAX_GAME_SECONDS),
    "order_seconds": (0.01, MAX_GAME_SECONDS),
    "speed": (0.01, 1000.0),
    "open_orders": (1, 20),
    "chop_steps": (1, 1000),
    "expire_penalty": (0, 1_000_000),
    "bonus": (-1_000_000, 1_000_000),
}


def check_seconds(name: str, value: object, low: float = 0.01,
                  high: float = MAX_GAME_SECONDS) -> float:
    """``value`` as a finite number of seconds in [low, high], or SettingsError saying so.

    The one check for durations from outside (settings, ``--seconds``, web options)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingsError(f"{name} must be a number of seconds, got {value!r}")
    if not math.isfinite(value) or not low <= value <= high:
        raise SettingsError(f"{name} must be between {low:g} and {high:g} seconds, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Settings:
    """Game settings. Every field is validated on construction."""

    tick_seconds: float = 0.1
    """Length of one tick of game time."""
    episode_seconds: float = 180.0
    """Length of an episode; a few minutes by default."""
    open_orders: int = 3
    """How many orders are open at once."""
    soups: tuple[str, ...] = ("alice", "bob", "cathy", "david")
    """Which soups can be ordered."""
    speeds: tuple[float | None, float | None] = (2.5, None)
    """Max atomic actions per second per player; None means one per tick (a keyboard)."""
    chop_steps: int = 8
    """Interacts needed to chop one vegetable."""
    cook_seconds: float = 15.0
    """Time a full recipe cooks before the soup is ready."""
    char_seconds: float = 25.0
    """Time a ready soup may wait in the pot before it chars and the pot catches fire."""
    extinguish_seconds: float = 5.0
    """Continuous spraying needed to put a fire out."""
    regrow_seconds: float = 1.0
    """A pause in spraying longer than this lets the fire grow back (progress is lost)."""
    expire_penalty: int = 5
    """Points lost when an order expires."""
    order_seconds: dict[str, float] = field(
        default_factory=lambda: {s.name: s.order_seconds for s in SOUPS.values()}
    )
    """How long an order of each soup stays open."""
    bonus: dict[str, int] = field(default_factory=lambda: {s.name: s.bonus for s in SOUPS.values()})
    """Points for serving each soup against an open order."""

    def __post_init__(self) -> None:
        for name in ("tick_seconds", "episode_seconds", "cook_seconds", "char_seconds",
                     "extinguish_seconds", "regrow_seconds"):
            check_seconds(name, getattr(self, name), *LIMITS[name])

        def whole(name: str, value: object, limit: str) -> None:
            low, high = LIMITS[limit]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise SettingsError(f"{name} must be a whole number from {low:g} to {high:g}, "
                                    f"got {value!r}")

        for name in ("open_orders", "chop_steps", "expire_penalty"):
            whole(name, getattr(self, name), name)
        if self.episode_seconds / self.tick_seconds > MAX_TICKS:
            raise SettingsError(f"episode_seconds / tick_seconds must be at most {MAX_TICKS:,} ticks, "
                                f"got {self.episode_seconds / self.tick_seconds:,.0f}")
        if not self.soups:
            raise SettingsError("soups must name at least one soup")
        for soup in self.soups:
            if soup not in SOUPS:
                raise SettingsError(f"unknown soup {soup!r}; the soups are {', '.join(SOUPS)}")
        if len(self.speeds) != 2:
            raise SettingsError(f"speeds must give one value per player (2), got {len(self.speeds)}")
        for speed in self.speeds:
            if speed is not None:
                low, high = LIMITS["speed"]
                if isinstance(speed, bool) or not isinstance(speed, int | float) \
                        or not math.isfinite(speed) or not low <= speed <= high:
                    raise SettingsError(f"speeds must be from {low:g} to {high:g} actions per second "
                                        f"or None, got {speed!r}")
        for table in ("order_seconds", "bonus"):
            values = getattr(self, table)
            missing = [s for s in SOUPS if s not in values]
            if missing:
                raise SettingsError(f"{table} lacks {', '.join(missing)}")
        for soup, value in self.order_seconds.items():
            check_seconds(f"order_seconds of {soup}", value, *LIMITS["order_seconds"])
        for soup, value in self.bonus.items():
            whole(f"bonus of {soup}", value, "bonus")

    # Derived tick counts: the rules count ticks, people think in seconds.
    def ticks(self, seconds: float) -> int:
        """Whole ticks covering ``seconds`` of game time (at least one).

        ``seconds`` must be finite and from 0 to an hour: SettingsError otherwise (an
        infinite or negative length is a caller's mistake, not one tick)."""
        check_seconds("seconds", seconds, 0.0, MAX_GAME_SECONDS)
        return max(1, round(seconds / self.tick_seconds))

    def min_action_gap(self, player: int) -> int:
        """Fewest ticks between two accepted actions of ``player`` (its speed limit).

        A player at 2.5 actions/s on 0.1 s ticks may act every 4th tick; 3.5/s rounds up
        to every 3rd tick (3.33/s), so a speed is never exceeded.
        """
        speed = self.speeds[player]
        if speed is None:
            return 1
        return max(1, math.ceil(1.0 / (speed * self.tick_seconds) - 1e-9))

    def to_json(self) -> dict:
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_json(cls, data: dict) -> Settings:
        kwargs = dict(data)
        for name in ("soups", "speeds"):
            if name in kwargs:
                kwargs[name] = tuple(kwargs[name])
        return cls(**kwargs)
