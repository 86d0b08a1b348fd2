"""The rules of the kitchen: a pure transition over immutable states.

:class:`Kitchen` holds only constants (the layout, its settings, precomputed tables);
``Kitchen.step(state, actions)`` returns a new state and the events of that tick and
never changes its arguments. Same state + same actions -> same result: the only
randomness (which soup the next order asks for) is drawn from the state's seed.

Conflict rule (both players act in the same tick):

* Moves resolve together. A move into a wall or counter only turns the player. Two
  players moving into the same cell, or swapping cells, both stay (and turn). A player
  moving into the partner's cell moves only if the partner leaves it in the same tick.
* Interactions then resolve one player at a time. Priority alternates with the tick:
  player 0 first on even ticks, player 1 first on odd ticks, so neither side always
  wins a race for the same item.
* ``stay`` is not an action: it never counts against a player's speed.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence

from dualmind.errors import InvalidActionError
from dualmind.game import items, tiles
from dualmind.game.events import Event, EventKind
from dualmind.game.layout import Layout, Pos
from dualmind.game.state import EMPTY_POT, ChatMessage, Order, Player, Pot, State
from dualmind.game.text import clean_text

ACTIONS: tuple[str, ...] = ("stay", "up", "down", "left", "right", "interact")
"""The atomic actions, in the order of the RL action space."""
STAY, INTERACT = "stay", "interact"
_MOVES = tiles.DIRECTIONS

# Pot phases, derived from the pot and the tick.
EMPTY, FILLING, COOKING, READY, BURNING, CHARRED = (
    "empty", "filling", "cooking", "ready", "burning", "charred")


class Kitchen:
    """The rules for one layout. Build once, step many states."""

    def __init__(self, layout: Layout):
        self.layout = layout
        s = self.settings = layout.settings
        self.cook_ticks = s.ticks(s.cook_seconds)
        self.char_ticks = s.ticks(s.char_seconds)
        self.extinguish_ticks = s.ticks(s.extinguish_seconds)
        self.regrow_ticks = s.ticks(s.regrow_seconds)
        self.horizon = s.ticks(s.episode_seconds)
        self.action_gaps = (s.min_action_gap(0), s.min_action_gap(1))
        self.order_ticks = {soup: s.ticks(sec) for soup, sec in s.order_seconds.items()}
        self.pot_cells: tuple[Pos, ...] = tuple(layout.cells(tiles.POT))
        self.pot_index = {pos: i for i, pos in enumerate(self.pot_cells)}
        self.tiles: dict[Pos, str] = {
            (x, y): ch for y, row in enumerate(layout.grid) for x, ch in enumerate(row)}
        # (cell, direction) -> the neighbouring cell; (cell, move) -> where a move lands.
        self.neighbour: dict[tuple[Pos, str], Pos] = {}
        self.landing: dict[tuple[Pos, str], Pos] = {}
        for (x, y), ch in self.tiles.items():
            if ch != tiles.FLOOR:
                continue
            for name, (dx, dy) in _MOVES.items():
                n = (x + dx, y + dy)
                self.neighbour[(x, y), name] = n
                self.landing[(x, y), name] = n if self.tiles.get(n) == tiles.FLOOR else (x, y)
        self._action_set = frozenset(ACTIONS)

    # ------------------------------------------------------------------ start
    def reset(self, seed: int = 0) -> State:
        """The state at tick 0: players at their starts facing down, the first orders open."""
        n = self.settings.open_orders
        extinguishers = {pos: items.THE_EXTINGUISHER
                         for pos in self.layout.cells(tiles.EXTINGUISHER_COUNTER)}
        return State(
            tick=0,
            players=tuple(Player(pos, "down") for pos in self.layout.starts),  # type: ignore[arg-type]
            items=extinguishers,
            pots=tuple(EMPTY_POT for _ in self.pot_cells),
            orders=tuple(self.new_order(seed, i, 0) for i in range(n)),
            orders_created=n,
            seed=seed,
        )

    def new_order(self, seed: int, index: int, tick: int) -> Order:
        """The ``index``-th order of an episode: a pure function of the seed."""
        soups = self.settings.soups
        soup = soups[random.Random(seed * 1_000_003 + index).randrange(len(soups))]
        return Order(soup, tick, tick + self.order_ticks[soup])

    # ------------------------------------------------------------------ queries
    def is_over(self, state: State) -> bool:
        """True once the episode's time is up."""
        return state.tick >= self.horizon

    def pot_phase(self, pot: Pot, tick: int) -> str:
        """One of empty, filling, cooking, ready, burning, charred."""
        if pot.cook_start is None:
            return FILLING if pot.vegetables else EMPTY
        if pot.extinguished:
            return CHARRED
        age = tick - pot.cook_start
        if age < self.cook_ticks:
            return COOKING
        return READY if age < self.cook_ticks + self.char_ticks else BURNING

    def faced_cell(self, player: Player) -> Pos:
        """The cell a player faces (what ``interact`` acts on)."""
        return self.neighbour[player.pos, player.facing]

    # ------------------------------------------------------------------ step
    def step(self, state: State, actions: Sequence[str],
             chat: Iterable[tuple[int, str]] = ()) -> tuple[State, list[Event]]:
        """Apply one tick: both players' atomic actions, then timers, then chat.

        ``actions`` holds one of :data:`ACTIONS` per player; ``chat`` holds
        ``(player, text)`` pairs sent during this tick. The tick runs in named phases:
        speed limits, moves, interactions, timers, chat. (It is the hot path of every
        benchmark: phases take and return plain values, and skip themselves when idle.)
        """
        a0, a1 = actions
        if a0 not in self._action_set or a1 not in self._action_set:
            self._refuse_actions(actions)
        tick = state.tick
        events: list[Event] = []
        p0, p1 = state.players
        if a0 != STAY or a1 != STAY:
            a0, limits0 = self._speed_limit(0, p0, a0, tick, events)
            a1, limits1 = self._speed_limit(1, p1, a1, tick, events)
            p0, p1 = self._moves(p0, p1, actions, a0, a1, limits0, limits1)
        now = tick + 1
        placed, pots, orders = state.items, state.pots, state.orders
        score, served, created = state.score, state.served, state.orders_created
        if a0 == INTERACT or a1 == INTERACT:
            work = _Work(self, state, now, events)
            p0, p1 = self._interactions(tick, (p0, p1), (a0, a1), work)
            placed, pots, orders = work.items, work.pots, work.orders
            score, served, created = work.score, work.served, work.created
        orders, created, score, expired, fires = self._timers(state, pots, orders, score, created,
                                                               events)
        log = self._chat(state, chat, events) if chat else state.chat
        return State(now, (p0, p1), placed, pots, orders, created, state.seed,
                     score, served, expired, fires, log), events

    # ------------------------------------------------------------------ the phases of a tick
    @staticmethod
    def _refuse_actions(actions: Sequence[str]) -> None:
        bad = next(a for a in actions if a not in ACTIONS)
        raise InvalidActionError(f"unknown action {bad!r}; actions are {', '.join(ACTIONS)}")

    def _speed_limit(self, i: int, player: Player, action: str, tick: int, events: list[Event]
                     ) -> tuple[str, tuple[int, int]]:
        """An action faster than player ``i``'s speed is dropped (becomes ``stay``) and
        counted. Returns the action that applies and the player's (last action tick,
        ignored actions)."""
        last, ignored = player.last_action_tick, player.ignored_actions
        if action != STAY:
            if tick - last < self.action_gaps[i]:
                action, ignored = STAY, ignored + 1
                events.append(Event(EventKind.IGNORED_ACTION, tick, i))
            else:
                last = tick
        return action, (last, ignored)

    def _moves(self, p0: Player, p1: Player, actions: Sequence[str], a0: str, a1: str,
               limits0: tuple[int, int], limits1: tuple[int, int]) -> tuple[Player, Player]:
        """Moves, resolved together (see the module docstring). A player who did anything
        (acted, or was refused) changed; one who stayed did not."""
        pos0, pos1, face0, face1 = p0.pos, p1.pos, p0.facing, p1.facing
        to0 = to1 = None
        if a0 in _MOVES:
            face0, to0 = a0, self.landing[pos0, a0]
        if a1 in _MOVES:
            face1, to1 = a1, self.landing[pos1, a1]
        new0 = to0 or pos0
        new1 = to1 or pos1
        if new0 == new1 or (new0 == pos1 and new1 == pos0):
            new0, new1 = pos0, pos1
        if actions[0] != STAY:
            p0 = Player(new0, face0, p0.holding, *limits0)
        if actions[1] != STAY:
            p1 = Player(new1, face1, p1.holding, *limits1)
        return p0, p1

    def _interactions(self, tick: int, players: tuple[Player, Player], applied: tuple[str, str],
                      work: _Work) -> tuple[Player, Player]:
        """Interactions, one player at a time; priority alternates with the tick."""
        updated = list(players)
        for i in ((0, 1) if tick % 2 == 0 else (1, 0)):
            if applied[i] == INTERACT:
                p = updated[i]
                held = work.interact(i, p.holding, self.neighbour[p.pos, p.facing])
                if held is not p.holding:
                    updated[i] = p._replace(holding=held)
        return updated[0], updated[1]

    def _timers(self, state: State, pots: tuple[Pot, ...], orders: tuple[Order, ...], score: int,
                created: int, events: list[Event]) -> tuple[tuple[Order, ...], int, int, int, int]:
        """Pots reaching ready or catching fire, orders expiring (and replaced). Returns the
        orders, orders created, score, orders expired and fires after them."""
        tick, now = state.tick, state.tick + 1
        fires, expired = state.fires, state.expired
        for k, pot in enumerate(pots):
            if pot.cook_start is not None and not pot.extinguished:
                age = now - pot.cook_start
                if age == self.cook_ticks:
                    events.append(Event(EventKind.SOUP_READY, tick, None, soup=pot.soup or "", pot=k))
                elif age == self.cook_ticks + self.char_ticks:
                    fires += 1
                    events.append(Event(EventKind.FIRE_STARTED, tick, None, pot=k))
        if any(o.deadline <= now for o in orders):
            kept = [o for o in orders if o.deadline > now]
            for o in orders:
                if o.deadline <= now:
                    expired += 1
                    score -= self.settings.expire_penalty
                    events.append(Event(EventKind.ORDER_EXPIRED, tick, None, soup=o.soup))
                    fresh = self.new_order(state.seed, created, now)
                    created += 1
                    events.append(Event(EventKind.ORDER_OPENED, tick, None, soup=fresh.soup))
                    kept.append(fresh)  # new orders go last: orders stay oldest first
            orders = tuple(kept)
        return orders, created, score, expired, fires

    def _chat(self, state: State, chat: Iterable[tuple[int, str]], events: list[Event]
              ) -> tuple[ChatMessage, ...]:
        """This tick's chat lines appended to the log."""
        log = state.chat
        if chat:
            lines = []
            for player, text in chat:
                if player not in (0, 1) or not isinstance(text, str):
                    raise InvalidActionError(
                        f"a chat message is (player 0 or 1, text), got {(player, text)!r}")
                # Chat enters the game only here, cleaned, so state, record and replay agree.
                text = clean_text(text)
                if not text:
                    continue
                lines.append(ChatMessage(state.tick, player, text))
                events.append(Event(EventKind.CHAT, state.tick, player, text=text))
            if lines:
                log = log + tuple(lines)
        return log


class _Work:
    """Scratch space for one tick's interactions; copies on first write."""

    def __init__(self, kitchen: Kitchen, state: State, now: int, events: list[Event]):
        self.k = kitchen
        self.state = state
        self.now = now
        self.tick = state.tick
        self.events = events
        self.items = state.items
        self.pots = state.pots
        self.orders = state.orders
        self.score = state.score
        self.served = state.served
        self.created = state.orders_created
        self._items_copied = False

    def _set_item(self, cell: Pos, item: items.Item | None) -> None:
        if not self._items_copied:
            self.items = dict(self.items)
            self._items_copied = True
        if item is None:
            del self.items[cell]
        else:
            self.items[cell] = item

    def _event(self, kind: EventKind, player: int, *, item: str = "", soup: str = "",
               vegetables: tuple[str, ...] = (), pot: int | None = None) -> None:
        self.events.append(Event(kind, self.tick, player, item, soup, vegetables, pot))

    def interact(self, player: int, held: items.Item | None, cell: Pos) -> items.Item | None:
        """Interact with ``cell`` holding ``held``; return what the hand holds after."""
        tile = self.k.tiles.get(cell)
        if tile in tiles.HOLDS_ITEMS:
            return self._counter(player, held, cell, tile == tiles.BOARD)
        if tile in tiles.CRATES:
            if held is None:
                self._event(EventKind.TAKE, player, item=tiles.CRATES[tile])
                return items.FRESH[tiles.CRATES[tile]]
            return held
        if tile == tiles.PLATES:
            if held is None:
                self._event(EventKind.TAKE, player, item="plate")
                return items.CLEAN_PLATE
            return held
        if tile == tiles.POT:
            return self._pot(player, held, self.k.pot_index[cell])
        if tile == tiles.WINDOW:
            return self._serve(player, held)
        if tile == tiles.BIN and held is not None and held.kind != items.EXTINGUISHER:
            self._event(EventKind.DISCARD, player, item=str(held))
            return None
        return held

    def _counter(self, player: int, held: items.Item | None, cell: Pos, board: bool) -> items.Item | None:
        on = self.items.get(cell)
        if board and on is not None and on.kind == items.VEGETABLE:
            chops = on.chops + 1
            veg = on.vegetables[0]
            if chops >= self.k.settings.chop_steps:
                self._set_item(cell, items.chopped(veg))
                self._event(EventKind.CHOPPED, player, item=veg)
            else:
                self._set_item(cell, items.Item(items.VEGETABLE, on.vegetables, chops))
                self._event(EventKind.CHOP, player, item=veg)
            return held
        if on is None:
            if held is None or (board and held.kind != items.VEGETABLE):
                return held  # boards take fresh vegetables only
            self._set_item(cell, held)
            self._event(EventKind.PUT_DOWN, player, item=str(held))
            return None
        if held is None:
            self._set_item(cell, None)
            self._event(EventKind.PICK_UP, player, item=str(on))
            return on
        if held.kind == items.CHOPPED and on.kind == items.CHOPPED:
            union = items.combine(held.vegetables, on.vegetables)
            if union is not None:
                self._set_item(cell, None)
                self._event(EventKind.COMBINE, player, vegetables=tuple(union))
                return items.Item(items.CHOPPED, union)
        return held

    def _set_pot(self, k: int, pot: Pot) -> None:
        pots = list(self.pots)
        pots[k] = pot
        self.pots = tuple(pots)

    def _pot(self, player: int, held: items.Item | None, k: int) -> items.Item | None:
        if held is None:
            return held
        pot = self.pots[k]
        phase = self.k.pot_phase(pot, self.tick)
        if held.kind == items.CHOPPED and phase in (EMPTY, FILLING):
            union = items.combine(pot.vegetables, held.vegetables)
            if union is None:
                return held
            soup = items.soup_of(union)
            self._event(EventKind.ADD_TO_POT, player, vegetables=tuple(held.vegetables), pot=k)
            if soup is not None:
                self._event(EventKind.COOK_START, player, soup=soup, pot=k)
                self._set_pot(k, Pot(union, soup, self.now))
            else:
                self._set_pot(k, Pot(union))
            return None
        if held.kind == items.PLATE and held.soup is None and phase in (READY, CHARRED):
            soup = pot.soup if phase == READY else items.CHARRED
            self._set_pot(k, EMPTY_POT)
            self._event(EventKind.PLATE_SOUP, player, soup=soup or "", pot=k)
            return items.Item(items.PLATE, soup=soup)
        if held.kind == items.EXTINGUISHER and phase == BURNING:
            start = pot.spray_start
            if pot.last_spray is None or self.tick - pot.last_spray > self.k.regrow_ticks:
                start = self.tick  # a fresh start: the fire grew back during the pause
            if self.tick + 1 - start >= self.k.extinguish_ticks:
                self._set_pot(k, pot._replace(spray_start=None, last_spray=None, extinguished=True))
                self._event(EventKind.FIRE_OUT, player, pot=k)
            else:
                self._set_pot(k, pot._replace(spray_start=start, last_spray=self.tick))
                self._event(EventKind.SPRAY, player, pot=k)
        return held

    def _serve(self, player: int, held: items.Item | None) -> items.Item | None:
        if held is None or held.kind != items.PLATE or held.soup in (None, items.CHARRED):
            return held
        for j, order in enumerate(self.orders):
            if order.soup == held.soup:  # orders are kept oldest first
                self.score += self.k.settings.bonus[held.soup]
                self.served += 1
                fresh = self.k.new_order(self.state.seed, self.created, self.now)
                self.created += 1
                self.orders = self.orders[:j] + self.orders[j + 1:] + (fresh,)
                self._event(EventKind.SERVE, player, soup=held.soup)
                self.events.append(Event(EventKind.ORDER_OPENED, self.tick, None, soup=fresh.soup))
                return None
        self._event(EventKind.WRONG_DELIVERY, player, soup=held.soup)
        return None
