"""The one entry point: ``dualmind layouts | check-layout | play | bench``."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence

from dualmind import vocab
from dualmind.errors import DualmindError, LayoutError

MAX_SECONDS = 3600.0  # = game.settings.MAX_GAME_SECONDS (not imported: the CLI loads lazily)


def _seconds(text: str) -> float:
    """A length of game time: finite, more than 0, at most an hour."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not (math.isfinite(value) and 0 < value <= MAX_SECONDS):
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most {MAX_SECONDS:g}, got {text}")
    return value


def _latency(text: str) -> float | str:
    """Seconds per mind call: -1 (measured), finite from 0 to 600, or ``tokens`` (charged
    per token at this CPU's measured rates)."""
    if text.strip().lower() == vocab.TOKENS:
        return vocab.TOKENS
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value != -1 and not (math.isfinite(value) and 0 <= value <= 600):
        raise argparse.ArgumentTypeError(f"must be -1 (measured), from 0 to 600, or tokens, got {text}")
    return value


def _every(text: str) -> float:
    """Game seconds between printed frames: 0 (only the end) or a finite positive number."""
    return 0.0 if text.strip() in ("0", "0.0") else _seconds(text)


def _count(text: str) -> int:
    """A whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def _cmd_layouts(args: argparse.Namespace) -> int:
    from dualmind.game.layout import load_layout, shipped_layouts

    for name in shipped_layouts():
        lay = load_layout(name)
        print(f"{name:<12} {lay.width}x{lay.height}  {lay.description}")
    return 0


def _cmd_layouts_generate(args: argparse.Namespace) -> int:
    from dualmind.bench.layouts import write_generated

    text = write_generated(args.seed, args.size, args.style, args.out)
    if args.out:
        print(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def _cmd_layouts_evaluate(args: argparse.Namespace) -> int:
    from dualmind.bench.layouts import evaluate, header_text, row_text, summary

    if not args.json:
        print(header_text())
    rows = evaluate(args.layouts, args.episodes,
                    progress=None if args.json else lambda r: print(row_text(r), flush=True))
    if args.json:
        print(json.dumps({"rows": rows, "summary": summary(rows)}))
    else:
        print("summary: " + json.dumps(summary(rows)))
    return 0


def _cmd_check_layout(args: argparse.Namespace) -> int:
    from dualmind.game.layout import load_layout

    try:
        layout = load_layout(args.file)
    except LayoutError as e:
        print(f"{args.file}:{e.line}:{e.col}: {e.message}", file=sys.stderr)
        return 2
    print(f"{args.file}: ok")
    print(layout.summary())
    return 0


def _cmd_play(args: argparse.Namespace) -> int:
    if args.web:  # the browser page, served here, for one game
        args.open, args.records = True, args.record or "dualmind-records.sqlite"
        return _cmd_serve(args)
    from dualmind.bench.episode import play_episode
    from dualmind.game.layout import load_layout
    from dualmind.game.render import render
    from dualmind.game.rules import Kitchen

    names = [n.strip() for n in args.agents.split(",")]
    if len(names) != 2:
        raise DualmindError(f"--agents takes two names separated by a comma, got {args.agents!r}")
    on_tick = None
    if not args.json:
        kitchen = Kitchen(load_layout(args.layout))
        tty = sys.stdout.isatty()
        tick_s = kitchen.settings.tick_seconds
        # Live play redraws every tick in place; a fast virtual game shows one frame per
        # 10 game seconds (and every chat line) so the terminal is not flooded.
        every = 1 if (args.clock == "wall" and tty) else max(1, round(10 / tick_s))
        end = kitchen.horizon if args.seconds is None else min(kitchen.horizon,
                                                                kitchen.settings.ticks(args.seconds))

        def on_tick(state, events) -> None:
            for e in events:
                if e.kind == "chat" and not (tty and every == 1):
                    print(f"[{state.tick * tick_s:6.1f} s] player {e.player}: {e.text[:200]}")
            if state.tick % every == 0:
                frame = render(kitchen, state, end_tick=end)
                if tty and every == 1:
                    sys.stdout.write("\x1b[H\x1b[2J" + frame + "\n")
                else:
                    sys.stdout.write(frame + "\n\n")
                sys.stdout.flush()

    from dualmind.agents.llm.defaults import default_fast_mind, default_slow
    from dualmind.agents.mind_agent import MindConfig

    slow = default_slow(args.backend)
    minds = MindConfig(slow=slow, fast=args.fast_backend,
                       slow_latency=args.slow_latency, fast_latency=args.fast_latency,
                       fast_mind=default_fast_mind(args.fast_mind, slow), status_model=args.status_model)
    result = play_episode(args.layout, (names[0], names[1]), seed=args.seed, seconds=args.seconds,
                          clock=args.clock, on_tick=on_tick, minds=minds, record=args.record)
    summary = result.to_json()
    if args.json:
        print(json.dumps(summary))
    else:
        line = (f"final score {result.score}: served {result.served}, expired {result.expired}, "
                f"fires {result.fires}, {result.ticks} ticks")
        if summary.get("compliance") is not None:
            line += f"; compliance {summary['compliance']}"
        team = [f"{k.replace('_', ' ')} {summary[k]}" for k in
                ("acknowledged", "wasted_items", "duplicated_steps", "agent_idle_s", "max_unused_s")
                if summary.get(k) is not None]
        if team:
            line += "; " + ", ".join(team)
        print(line)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import logging
    import os

    import uvicorn

    from dualmind.runtime.record import check_writable
    from dualmind.web.app import MAX_GAMES, create_app

    check_writable(args.records)  # before any game: an unwritable file would hang every one
    allow_hosts = list(getattr(args, "allow_host", None) or [])
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"dualmind: serving on {args.host}: anyone who can reach it can play", file=sys.stderr)
        if not allow_hosts:
            print("dualmind: only loopback names are accepted in the Host header; add --allow-host "
                  "NAME for each name clients use (see README, Security)", file=sys.stderr)
    url = f"http://{args.host}:{args.port}/"
    print(f"dualmind: open {url} (records: {args.records}; records page: {url}records)")
    if getattr(args, "open", False):
        import webbrowser

        webbrowser.open(url)
    handler = logging.StreamHandler()  # one line per refused request or failed game
    handler.setFormatter(logging.Formatter("%(asctime)s dualmind %(levelname)s: %(message)s"))
    logging.getLogger("dualmind").addHandler(handler)
    logging.getLogger("dualmind").setLevel(logging.INFO)
    app = create_app(args.records, allow_hosts=allow_hosts,
                     allow_origins=getattr(args, "allow_origin", None) or [],
                     max_games=getattr(args, "max_games", MAX_GAMES))
    # Ctrl-C: games still running are cut (kept, marked unfinished) after one second.
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", ws="websockets-sansio",
                timeout_graceful_shutdown=1, ws_max_size=65_536)  # a message is <= 16 KiB
    # Stopped: every record is committed and closed. Skip the interpreter's teardown, which
    # takes seconds once torch is loaded (measured 1.7-2.5 s), so one Ctrl-C stops at once.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _cmd_replay(args: argparse.Namespace) -> int:
    from dualmind.game.render import render
    from dualmind.runtime.record import list_episodes, replay

    if args.list:
        for ep in list_episodes(args.file):
            status = "finished" if ep.finished else "UNFINISHED"
            score = ep.summary.get("score") if ep.summary else "-"
            print(f"{ep.id:>4}  {ep.layout:<11} {','.join(ep.agents):<18} seed {ep.seed:<5} "
                  f"{ep.clock:<7} {ep.ticks:>5} ticks  score {score}  {status}")
        return 0
    kitchen = state = None
    every = None
    for kitchen, state, events in replay(args.file, args.episode):
        tick_s = kitchen.settings.tick_seconds
        every = every or (max(1, round(args.every / tick_s)) if args.every > 0 else None)
        for e in events:
            if e.kind == "chat":
                print(f"[{(state.tick - 1) * tick_s:6.1f} s] player {e.player}: {e.text[:200]}")
        if every and state.tick % every == 0:
            print(render(kitchen, state) + "\n")
    if state is not None:
        print(render(kitchen, state))
        print(f"replayed {state.tick} ticks exactly: final score {state.score}, served {state.served}, "
              f"expired {state.expired}, fires {state.fires}")
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from pathlib import Path

    from dualmind.bench.evaluate import aggregate, make_jobs, run_jobs
    from dualmind.bench.report import markdown, plots, write_csv, write_readme_results

    def names(text: str) -> list[str]:
        return [n.strip() for n in text.split(",") if n.strip()]

    slow = [args.slow_latency]
    if args.sweep:
        param, _, values = args.sweep.partition("=")
        if param != "slow-latency" or not values:
            raise DualmindError("--sweep takes slow-latency=V1,V2,... (e.g. slow-latency=0.5,1,2,4,8)")
        try:
            slow = [_latency(v) for v in values.split(",")]
        except argparse.ArgumentTypeError as e:
            raise DualmindError(f"--sweep: {e}") from None
    from dualmind.game.generate import expand_layout_names

    jobs = make_jobs(names(args.agents), expand_layout_names(names(args.layouts)), names(args.partners),
                     args.episodes, args.seconds, args.clock, slow, args.fast_latency, args.backend,
                     args.fast_backend, args.fast_mind)
    out = Path(args.out)
    rows = run_jobs(jobs, out, workers=args.workers, ray_address=args.ray, progress=not args.json)
    table = aggregate(rows)
    write_csv(table, out / "results.csv")
    md = markdown(table)
    (out / "results.md").write_text(md + "\n")
    made = plots(table, out)
    if args.readme:
        import shlex

        command = "dualmind " + " ".join(shlex.quote(a) for a in args.argv if a != "--readme")
        write_readme_results(md, made, command, Path("README.md"))
    if args.json:
        print(json.dumps({"rows": table}))
    else:
        print(md)
        print(f"\nwrote {out}/results.csv, results.md, episodes.jsonl, records/ and "
              + ", ".join(p.name for p in made))
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    if args.what == "env":
        from dualmind.bench.env import bench_env, env_text
        from dualmind.game.layout import shipped_layouts

        layouts = shipped_layouts() if args.layout == "all" else [args.layout or "ring"]
        for name in layouts:
            result = bench_env(name, steps=args.steps, rounds=args.rounds,
                               vs_overcooked_ai=args.vs_overcooked_ai,
                               speed_limits=args.speed_limits)
            print(json.dumps(result) if args.json else env_text(result))
        return 0
    if args.what == "executor":
        from dualmind.bench.executor import bench_executor, executor_text
        from dualmind.game.layout import shipped_layouts

        layouts = shipped_layouts() if args.layout in ("all", None) else [args.layout]
        rows = [bench_executor(name) for name in _progress(layouts, "executor", args.json)]
        overall = {"p50_us": max(r["p50_us"] for r in rows), "p99_us": max(r["p99_us"] for r in rows)}
        print(json.dumps({"layouts": rows, **overall}) if args.json else executor_text(rows))
        return 0
    if args.what == "language":
        from dualmind.bench.language import available_interpreters, bench_interpreter, language_text

        names = [args.backend] if args.backend else available_interpreters()
        rows = [bench_interpreter(n) for n in _progress(names, "language", args.json)]
        print(json.dumps({"backends": rows}) if args.json else language_text(rows))
        return 0
    if args.what == "fast-mind":
        from dualmind.bench.language import FAST_HELDOUT, bench_fast_mind, fast_mind_text

        result = bench_fast_mind(cases=FAST_HELDOUT) if args.heldout else bench_fast_mind()
        print(json.dumps(result) if args.json else fast_mind_text(result))
        return 0 if result["available"] else 1
    if args.what == "status":
        from dualmind.bench.language import STATUS_CASES, STATUS_HELDOUT, bench_status, status_text

        result = bench_status(cases=STATUS_HELDOUT if args.heldout else STATUS_CASES)
        print(json.dumps(result) if args.json else status_text(result))
        return 0 if result["available"] else 1
    if args.what == "all":
        from dualmind.bench.suite import bench_all, suite_text

        result = bench_all(quick=args.quick, wall_seconds=args.seconds)
        print(json.dumps(result) if args.json else suite_text(result))
        return 0
    if args.what == "web":
        from dualmind.bench.web import bench_web, web_text

        result = bench_web(games=args.games, seconds=args.seconds, agent=args.agent)
        print(json.dumps(result) if args.json else web_text(result))
        return 0
    if args.what == "wall":
        from dualmind.bench.wall import bench_wall, wall_text

        rows = bench_wall(seconds=args.seconds)
        print(json.dumps({"runs": rows}) if args.json else wall_text(rows))
        return 0
    raise DualmindError(f"unknown benchmark {args.what!r}")


def _progress(items, what: str, quiet: bool):
    """A progress bar on stderr for long runs (silent with --json)."""
    from tqdm import tqdm

    return tqdm(items, desc=what, unit="run", disable=quiet, file=sys.stderr)


def _cmd_interpret(args: argparse.Namespace) -> int:
    from dualmind.agents.language.context import Context, parse_last
    from dualmind.agents.language.interpreters import make_interpreter

    orders = tuple(o.strip() for o in args.orders.split(",") if o.strip())
    context = Context(orders, tuple(c for c in args.cooking.split(",") if c), parse_last(args.last))
    from dualmind.agents.llm.defaults import default_slow

    interpreter = make_interpreter(default_slow(args.backend), base_url=args.base_url, model=args.model,
                                   api_key=args.api_key)
    result = interpreter.interpret(args.message, context)
    out = {**result.intention.to_json(), "intent": result.intent, "backend": interpreter.name,
           "latency_ms": round(result.latency_s * 1000, 2), "confidence": round(result.confidence, 3)}
    if result.meta.get("error"):
        out["model_error"] = result.meta["error"]
    if args.json:
        print(json.dumps(out))
    else:
        macros = ", ".join(f"{m['macro']} x{'always' if m['count'] is None else m['count']}"
                           for m in out["macros"]) or "-"
        print(f"kind: {out['kind']}\nmacros: {macros}\nreply: {out['reply'] or '-'}\n"
              f"(intent {out['intent']}, {out['backend']}, {out['latency_ms']} ms)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dualmind",
        description="A testbed for real-time hierarchical agents in a two-player cooking game.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("layouts", help="list the shipped layouts; generate or evaluate kitchens")
    p.set_defaults(func=_cmd_layouts)
    lsub = p.add_subparsers(dest="layouts_command")
    q = lsub.add_parser("generate", help="print a generated, solvable kitchen (same seed, same kitchen)")
    q.add_argument("--seed", type=int, required=True)
    q.add_argument("--size", default=None, metavar="WxH", help="grid size, walls included (e.g. 9x7)")
    q.add_argument("--style", default=None,
                   choices=("open", "island", "partition", "corridor", "bottleneck"),
                   help="floor plan (default: chosen by the seed)")
    q.add_argument("--out", default=None, metavar="FILE", help="write to FILE instead of printing")
    q.set_defaults(func=_cmd_layouts_generate)
    q = lsub.add_parser("evaluate", help="difficulty of kitchens: hand-overs, longest walk, scripted pair")
    q.add_argument("layouts", nargs="+", help="layout names, files or gen:A-B ranges")
    q.add_argument("--episodes", type=_count, default=5, help="scripted-pair episodes per kitchen")
    q.add_argument("--json", action="store_true", help="print JSON rows and a summary")
    q.set_defaults(func=_cmd_layouts_evaluate)

    p = sub.add_parser("check-layout", help="validate a layout file (exit 2 with FILE:LINE:COL on error)")
    p.add_argument("file", help="path to a layout file")
    p.set_defaults(func=_cmd_check_layout)

    p = sub.add_parser("play", help="play one game headless or rendered as text")
    p.add_argument("--layout", default=vocab.DEFAULT_LAYOUT,
                   help=f"shipped layout name or file (default {vocab.DEFAULT_LAYOUT})")
    p.add_argument("--agents", default="random,random",
                   help="two agent names, player 0 then player 1 (default random,random)")
    p.add_argument("--clock", choices=vocab.CLOCKS, default="virtual",
                   help="virtual: as fast as the CPU allows; wall: real time")
    p.add_argument("--seconds", type=_seconds, default=None,
                   help="game seconds to play (default: the layout's episode length)")
    p.add_argument("--seed", type=int, default=0, help="episode seed (orders, agents)")
    p.add_argument("--slow-latency", type=_latency, default=vocab.SLOW_LATENCY,
                   help=f"game seconds per slow-mind call (default {vocab.SLOW_LATENCY}; -1: measured; "
                        "tokens: per token at a 2-core CPU's measured rates)")
    p.add_argument("--fast-latency", type=_latency, default=vocab.FAST_LATENCY,
                   help=f"game seconds per fast-mind call (default {vocab.FAST_LATENCY}; -1: measured; "
                        "tokens)")
    p.add_argument("--backend", default=None,
                   help="slow mind's interpreter: llm (Qwen 1.5B; the default when the models extra "
                        "is installed), learned (the default otherwise), rules, embedded, openai")
    p.add_argument("--fast-backend", default=vocab.DEFAULT_FAST_BACKEND, choices=vocab.FAST_BACKENDS,
                   help="fast mind's quick interpreter: rules (default), learned, embedded")
    p.add_argument("--fast-mind", choices=vocab.FAST_MINDS, default=None,
                   help="how the fast mind picks macros: llm (Qwen 0.5B by likelihood; the default "
                        "when the models extra is installed) or code (the default otherwise)")
    p.add_argument("--status-model", action="store_true",
                   help="with --backend llm, the model also judges when a standing request is over "
                        "(off by default: the 1.5B got 7 of 10 held-out checks, see bench status)")
    p.add_argument("--record", default=None, metavar="FILE",
                   help="record the episode to this SQLite file (see dualmind replay)")
    p.add_argument("--json", action="store_true", help="print only a JSON summary")
    p.set_defaults(func=_cmd_play)

    p.add_argument("--web", action="store_true", help="play in the browser instead (opens the page)")
    p.add_argument("--host", default="127.0.0.1", help="with --web: address to bind")
    p.add_argument("--port", type=int, default=8000, help="with --web: port")

    p = sub.add_parser("serve", help="web server: play in the browser, records and replay")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default loopback only)")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--records", default="dualmind-records.sqlite", help="SQLite file for game records")
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="a host name clients may reach the server by, besides loopback (repeat; "
                        "'*' for any): needed behind a reverse proxy or on a LAN")
    p.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                   help="another origin whose pages may use the server, e.g. https://lab.example.org")
    p.add_argument("--max-games", type=_count, default=16,
                   help="most games live at once (default 16); more are refused with 503")
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("replay", help="play a recorded episode back as text, checking it exactly")
    p.add_argument("file", help="SQLite record file written by play --record")
    p.add_argument("--episode", type=int, default=None, help="episode id (default: the last one)")
    p.add_argument("--list", action="store_true", help="list the episodes in the file")
    p.add_argument("--every", type=_every, default=10.0,
                   help="print a frame every this many game seconds (0: only the end)")
    p.set_defaults(func=_cmd_replay)

    p = sub.add_parser("interpret", help="read one chat message as the slow mind would")
    p.add_argument("message", help="the human's message (put it after --)")
    p.add_argument("--backend", default=None,
                   help="llm (Qwen 1.5B; the default when the models extra is installed), learned "
                        "(the default otherwise), rules, embedded, openai")
    p.add_argument("--orders", default="bob,cathy,david", help="open orders, oldest first")
    p.add_argument("--cooking", default="", help="soups cooking or ready, comma separated")
    p.add_argument("--last", default=None, help='the last intention, e.g. "chop(tomato) x2"')
    p.add_argument("--base-url", default=None, help="OpenAI-compatible server (or DUALMIND_BASE_URL)")
    p.add_argument("--model", default=None, help="model name on that server (or DUALMIND_MODEL)")
    p.add_argument("--api-key", default=None, help="API key (or DUALMIND_API_KEY)")
    p.add_argument("--json", action="store_true", help="print JSON: kind, macros, reply")
    p.set_defaults(func=_cmd_interpret)

    p = sub.add_parser("eval", help="compare agents on layouts with partners (tables and plots)")
    p.add_argument("--agents", default=",".join((*vocab.MIND_AGENTS, "scripted")))
    p.add_argument("--layouts", default=",".join(vocab.LAYOUTS))
    p.add_argument("--partners", default=",".join(vocab.DEFAULT_PARTNERS),
                   help=f"partners: {', '.join(vocab.PARTNERS)} (partner = talker) or persona files")
    p.add_argument("--episodes", type=_count, default=5, help="seeds per combination (paired)")
    p.add_argument("--seconds", type=_seconds, default=None, help="game seconds per episode")
    p.add_argument("--clock", choices=vocab.CLOCKS, default="virtual")
    p.add_argument("--slow-latency", type=_latency, default=vocab.SLOW_LATENCY,
                   help=f"game seconds per slow-mind call (default {vocab.SLOW_LATENCY}); -1: the measured "
                        "wall time; tokens: each call's prompt and generated tokens at the rates measured "
                        "on a 2-core CPU (dualmind.llm.rates), independent of the machine's load")
    p.add_argument("--fast-latency", type=_latency, default=vocab.FAST_LATENCY,
                   help=f"game seconds per fast-mind call (default {vocab.FAST_LATENCY}); -1 or tokens "
                        "as above")
    p.add_argument("--backend", default="learned",
                   help="slow mind's interpreter (default learned even with the models extra: the LLM "
                        "slow mind at measured CPU latency makes a full grid take hours; pass llm)")
    p.add_argument("--fast-backend", default=vocab.DEFAULT_FAST_BACKEND, choices=vocab.FAST_BACKENDS,
                   help="fast mind's quick interpreter")
    p.add_argument("--fast-mind", choices=vocab.FAST_MINDS, default="code",
                   help="how the fast mind picks macros: code (default) or llm (Qwen 0.5B)")
    p.add_argument("--sweep", default=None, help="e.g. slow-latency=0.5,1,2,4,8")
    p.add_argument("--workers", type=_count, default=2, help="worker processes")
    p.add_argument("--ray", default=None, metavar="ADDRESS",
                   help="run episodes on a Ray cluster ('local' starts one here)")
    p.add_argument("--out", default="out/eval", help="output folder (reused to resume)")
    p.add_argument("--readme", action="store_true", help="write the table into README.md's Results")
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    p.set_defaults(func=_cmd_eval)

    p = sub.add_parser("bench", help="performance benchmarks")
    p.add_argument("what",
                   choices=("all", "env", "executor", "language", "fast-mind", "status", "wall", "web"),
                   help="env: game steps per second; executor: decision latency per layout; "
                        "language: interpreter accuracy and latency; fast-mind: the LLM fast "
                        "mind's choices on hand-written situations, and its latency; status: the LLM slow "
                        "mind's judgement of whether a request is over, and its latency")
    p.add_argument("--heldout", action="store_true",
                   help="fast-mind, status: the cases written after the prompt was tuned")
    p.add_argument("--backend", default=None, help="language: one interpreter (default: all)")
    p.add_argument("--seconds", type=_seconds, default=30.0, help="wall, web: real seconds per run")
    p.add_argument("--quick", action="store_true", help="all: fewer steps, no wall-clock runs")
    p.add_argument("--games", type=_count, default=20, help="web: concurrent games")
    p.add_argument("--agent", default="scripted", help="web: the agent in every game")
    p.add_argument("--layout", default=None,
                   help="layout name, or 'all' (default: ring for env, all for executor)")
    p.add_argument("--steps", type=_count, default=50_000, help="steps per round (default 50000)")
    p.add_argument("--rounds", type=_count, default=3, help="rounds; the median is reported")
    p.add_argument("--vs-overcooked-ai", action="store_true",
                   help="also run Overcooked-AI's cramped_room in this process (needs the bench extra)")
    p.add_argument("--speed-limits", action="store_true",
                   help="keep the layout's player speed limits (default off: every action applies)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(argv) if argv is not None else sys.argv[1:]
    if argv is None and args.func is _cmd_play and not args.web:
        _exit_soon_after_ctrl_c()
    try:
        rc = args.func(args)
    except (DualmindError, ValueError, ImportError) as e:
        print(f"dualmind: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        rc = 130
    except BrokenPipeError:
        # The reader went away (`dualmind check-layout X | head -1`): not an error of ours.
        # Point stdout at /dev/null so the interpreter's final flush does not raise again.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        rc = 0
    if argv is None:
        _leave_abandoned_calls(rc)
    return rc


STOP_GRACE_S = 4.0
"""After Ctrl-C, the longest `play` spends on its own clean-up before it exits anyway."""


def _exit_soon_after_ctrl_c(grace_s: float = STOP_GRACE_S) -> None:
    """The first Ctrl-C stops the game as before (KeyboardInterrupt: the record keeps what
    was played, committed as it went) and also starts a timer: whatever the clean-up then
    waits on, the process is gone ``grace_s`` later with exit code 130. (In 1 of 3 fresh
    clones under load, `play` still hung past 30 s after one Ctrl-C; clean exits take
    1.2-4.4 s on 2 loaded cores.) A second Ctrl-C is Python's default."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    previous = signal.getsignal(signal.SIGINT)

    def on_ctrl_c(signum, frame):
        timer = threading.Timer(grace_s, _exit_now, args=(130,))
        timer.daemon = True
        timer.start()
        signal.signal(signal.SIGINT, previous)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_ctrl_c)


def _exit_now(rc: int) -> None:
    import os

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(rc)


def _leave_abandoned_calls(rc: int) -> None:
    """Exit at once when a mind's call is still running in its (daemon) thread.

    The game is over and its record closed by now, but a thread inside torch or llama.cpp
    can hold a native lock that the interpreter's teardown (atexit handlers, the libraries'
    own destructors) then waits on: a `play` stopped with Ctrl-C was seen hanging there
    with nothing on stderr. Nothing is left to save, so skip the teardown."""
    from dualmind.runtime.scheduler import calls_running

    if calls_running():
        _exit_now(rc)


if __name__ == "__main__":
    sys.exit(main())
