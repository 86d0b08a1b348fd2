"""The RL views pass their ecosystems' own API checkers on every shipped layout."""

from __future__ import annotations

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import parallel_api_test

from dualmind.game import shipped_layouts
from dualmind.game.env import KitchenEnv, KitchenParallelEnv


@pytest.mark.parametrize("layout", shipped_layouts())
def test_pettingzoo_parallel_api(layout):
    parallel_api_test(KitchenParallelEnv(layout), num_cycles=200)


@pytest.mark.parametrize("layout", shipped_layouts())
def test_gymnasium_check_env(layout):
    check_env(KitchenEnv(layout), skip_render_check=True)


def test_registered_with_gymnasium():
    env = gymnasium.make("dualmind/Kitchen-v0", layout="quick")
    obs, _ = env.reset(seed=1)
    assert env.observation_space.contains(obs)


def test_episode_truncates_at_the_horizon():
    env = KitchenParallelEnv("ring")
    env.reset(seed=0)
    steps = 0
    while env.agents:
        _, _, terms, truncs, _ = env.step({a: 0 for a in env.agents})
        steps += 1
    assert steps == env.kitchen.horizon and all(truncs.values()) and not any(terms.values())


def test_observation_shows_what_i_hold():
    env = KitchenParallelEnv("ring")
    obs, _ = env.reset(seed=0)
    # Player 0 starts at (1,1) under the lettuce crate at (1,0): face up, take one.
    for action in (1, 5):
        for _ in range(4):
            obs, *_ = env.step({"player_0": action, "player_1": 0})
            action = 0
    grid = obs["player_0"][: env.observer.grid_size].reshape(42, 8, 8)
    assert grid[20, 1, 1] == 1.0  # a fresh lettuce on my cell
    assert grid[10, 1, 1] == 1.0


def test_reward_is_the_score_change():
    env = KitchenParallelEnv("ring")
    env.reset(seed=0)
    total = 0.0
    while env.agents:
        _, rewards, *_ = env.step({a: 0 for a in env.agents})
        total += rewards["player_0"]
    assert total == env.state_value.score < 0  # nobody cooked: only penalties


def test_chat_through_the_env():
    env = KitchenParallelEnv("ring")
    env.reset(seed=0)
    env.say("player_1", "chop 3 tomatoes")
    env.step({"player_0": 0, "player_1": 0})
    assert env.state_value.chat[0].text == "chop 3 tomatoes"


def test_render_ansi():
    env = KitchenEnv("ring", render_mode="ansi")
    env.reset(seed=0)
    text = env.render()
    assert "orders:" in text and "player 0 at (1, 1)" in text
    assert isinstance(env.step(np.int64(0))[1], float)
