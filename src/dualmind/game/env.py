"""The kitchen as an RL environment: a PettingZoo ``ParallelEnv`` for two players and a
Gymnasium ``Env`` for one player beside a partner policy.

Both share:

* **Actions** -- ``Discrete(6)``: 0 stay, 1 up, 2 down, 3 left, 4 right, 5 interact
  (:data:`dualmind.game.rules.ACTIONS`). An action faster than the player's speed is
  ignored and counted (``info["ignored_actions"]``).
* **Observations** -- ``Box(0, 1, (N,), float32)``, egocentric; the layout of the vector
  is documented in :mod:`dualmind.game.observation`.
* **Reward** -- the change in the shared score this tick: + a soup's bonus when it is
  served against an open order, - the penalty when an order expires. Both players get it.
* **Episode end** -- never terminated; truncated when the episode's time is up
  (``episode_seconds`` of the layout, 180 s = 1800 ticks by default).
* **Info** -- ``events`` (this tick's :class:`~dualmind.game.events.Event` list), ``score``,
  ``tick``, ``ignored_actions``.
* **Arguments** -- ``layout`` (a shipped name or a path), ``render_mode`` (``"ansi"``),
  ``settings`` (a :class:`~dualmind.game.settings.Settings` overriding the layout's).

>>> env = KitchenParallelEnv("ring")
>>> obs, infos = env.reset(seed=3)
>>> obs, rewards, terms, truncs, infos = env.step({"player_0": 1, "player_1": 5})
>>> sorted(rewards.items())
[('player_0', 0.0), ('player_1', 0.0)]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import gymnasium
import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from dualmind.game.layout import Layout, load_layout
from dualmind.game.observation import Observer
from dualmind.game.render import render
from dualmind.game.rules import ACTIONS, Kitchen
from dualmind.game.settings import Settings
from dualmind.game.state import State

AGENTS = ("player_0", "player_1")
PartnerPolicy = Callable[[Kitchen, State, np.random.Generator], str]


def make_kitchen(layout: str | Layout, settings: Settings | None = None) -> Kitchen:
    """A Kitchen for a layout name, path or object, with optional settings."""
    lay = layout if isinstance(layout, Layout) else load_layout(layout)
    if settings is not None:
        lay = dataclasses.replace(lay, settings=settings)
    return Kitchen(lay)


class KitchenParallelEnv(ParallelEnv):
    """Two players, simultaneous actions (PettingZoo Parallel API)."""

    metadata = {"name": "dualmind_kitchen_v0", "render_modes": ["ansi"], "is_parallelizable": True}

    def __init__(self, layout: str | Layout = "ring", render_mode: str | None = None,
                 settings: Settings | None = None):
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode must be None or 'ansi', got {render_mode!r}")
        self.kitchen = make_kitchen(layout, settings)
        self.observer = Observer(self.kitchen)
        self.render_mode = render_mode
        self.possible_agents = list(AGENTS)
        self.agents: list[str] = []
        self._obs_space = spaces.Box(0.0, 1.0, (self.observer.size,), np.float32)
        self._act_space = spaces.Discrete(len(ACTIONS))
        self.state_value: State | None = None
        self._pending_chat: list[tuple[int, str]] = []
        self._rng = np.random.default_rng()

    def observation_space(self, agent: str) -> spaces.Space:
        return self._obs_space

    def action_space(self, agent: str) -> spaces.Space:
        return self._act_space

    def reset(self, seed: int | None = None, options: dict | None = None):
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        game_seed = int(self._rng.integers(2**31)) if seed is None else int(seed)
        self.state_value = self.kitchen.reset(game_seed)
        self.agents = list(AGENTS)
        self._pending_chat = []
        obs = {a: self.observer.observe(self.state_value, i) for i, a in enumerate(AGENTS)}
        return obs, {a: {"tick": 0, "score": 0} for a in AGENTS}

    def say(self, agent: str, text: str) -> None:
        """Queue a chat message from ``agent``; it is sent with the next step."""
        self._pending_chat.append((AGENTS.index(agent), text))

    def step(self, actions: dict):
        if self.state_value is None or not self.agents:
            raise RuntimeError("call reset() before step(), and again after the episode ends")
        joint = (ACTIONS[int(actions.get(AGENTS[0], 0))], ACTIONS[int(actions.get(AGENTS[1], 0))])
        before = self.state_value.score
        self.state_value, events = self.kitchen.step(self.state_value, joint, self._pending_chat)
        self._pending_chat = []
        s = self.state_value
        reward = float(s.score - before)
        over = self.kitchen.is_over(s)
        obs = {a: self.observer.observe(s, i) for i, a in enumerate(AGENTS)}
        infos = {a: {"events": events, "score": s.score, "tick": s.tick,
                     "ignored_actions": s.players[i].ignored_actions} for i, a in enumerate(AGENTS)}
        rewards = {a: reward for a in AGENTS}
        terms = {a: False for a in AGENTS}
        truncs = {a: over for a in AGENTS}
        if over:
            self.agents = []
        return obs, rewards, terms, truncs, infos

    def render(self) -> str | None:
        if self.render_mode == "ansi" and self.state_value is not None:
            return render(self.kitchen, self.state_value)
        return None

    def state(self) -> np.ndarray:
        """The global state: player 0's observation (it sees everything)."""
        if self.state_value is None:
            raise RuntimeError("call reset() first")
        return self.observer.observe(self.state_value, 0)

    def close(self) -> None:
        pass


def random_partner(kitchen: Kitchen, state: State, rng: np.random.Generator) -> str:
    """A partner that presses a uniformly random key each tick."""
    return ACTIONS[int(rng.integers(len(ACTIONS)))]


class KitchenEnv(gymnasium.Env):
    """One player (``player``, default 0) beside a partner policy (Gymnasium API).

    ``partner(kitchen, state, rng) -> action name`` plays the other side; by default a
    random partner driven by the env's own seeded generator, so ``reset(seed=)`` makes
    whole episodes reproducible.
    """

    metadata = {"render_modes": ["ansi"]}

    def __init__(self, layout: str | Layout = "ring", partner: PartnerPolicy | None = None,
                 player: int = 0, render_mode: str | None = None,
                 settings: Settings | None = None):
        if player not in (0, 1):
            raise ValueError(f"player must be 0 or 1, got {player!r}")
        self._inner = KitchenParallelEnv(layout, render_mode=render_mode, settings=settings)
        self.kitchen = self._inner.kitchen
        self.partner = partner or random_partner
        self.player = player
        self.render_mode = render_mode
        self.observation_space = self._inner.observation_space(AGENTS[player])
        self.action_space = self._inner.action_space(AGENTS[player])

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        game_seed = int(self.np_random.integers(2**31))
        obs, infos = self._inner.reset(seed=game_seed)
        return obs[AGENTS[self.player]], infos[AGENTS[self.player]]

    def step(self, action):
        state = self._inner.state_value
        if state is None:
            raise RuntimeError("call reset() before step()")
        other = 1 - self.player
        partner_action = ACTIONS.index(self.partner(self.kitchen, state, self.np_random))
        me, them = AGENTS[self.player], AGENTS[other]
        obs, rew, term, trunc, info = self._inner.step({me: int(action), them: partner_action})
        return obs[me], rew[me], term[me], trunc[me], info[me]

    def render(self) -> str | None:
        return self._inner.render()


gymnasium.register(id="dualmind/Kitchen-v0", entry_point="dualmind.game.env:KitchenEnv")
