"""The numbers of the game, all of them settings with GAME.md's defaults.

A layout file overrides the ones it names; everything else keeps the default.
Times are in seconds of game time; the rules turn them into ticks once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields

from dualmind.errors import SettingsError
from dualmind.game.items import SOUPS


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
        def positive(name: str) -> None:
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise SettingsError(f"{name} must be a positive number, got {value!r}")

        for name in ("tick_seconds", "episode_seconds", "cook_seconds", "char_seconds",
                     "extinguish_seconds", "regrow_seconds"):
            positive(name)
        for name in ("open_orders", "chop_steps"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise SettingsError(f"{name} must be a whole number >= 1, got {value!r}")
        if not isinstance(self.expire_penalty, int) or self.expire_penalty < 0:
            raise SettingsError(f"expire_penalty must be a whole number >= 0, got {self.expire_penalty!r}")
        if not self.soups:
            raise SettingsError("soups must name at least one soup")
        for soup in self.soups:
            if soup not in SOUPS:
                raise SettingsError(f"unknown soup {soup!r}; the soups are {', '.join(SOUPS)}")
        if len(self.speeds) != 2:
            raise SettingsError(f"speeds must give one value per player (2), got {len(self.speeds)}")
        for speed in self.speeds:
            if speed is not None and not (math.isfinite(speed) and speed > 0):
                raise SettingsError(f"a speed must be positive or None, got {speed!r}")
        for table in ("order_seconds", "bonus"):
            values = getattr(self, table)
            missing = [s for s in SOUPS if s not in values]
            if missing:
                raise SettingsError(f"{table} lacks {', '.join(missing)}")

    # Derived tick counts: the rules count ticks, people think in seconds.
    def ticks(self, seconds: float) -> int:
        """Whole ticks covering ``seconds`` of game time (at least one)."""
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
