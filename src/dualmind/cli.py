"""The one entry point: ``dualmind layouts | check-layout | play | bench``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from dualmind.errors import DualmindError, LayoutError


def _cmd_layouts(args: argparse.Namespace) -> int:
    from dualmind.game.layout import load_layout, shipped_layouts

    for name in shipped_layouts():
        lay = load_layout(name)
        print(f"{name:<12} {lay.width}x{lay.height}  {lay.description}")
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
                    print(f"[{state.tick * tick_s:6.1f} s] player {e.player}: {e.detail[:200]}")
            if state.tick % every == 0:
                frame = render(kitchen, state, end_tick=end)
                if tty and every == 1:
                    sys.stdout.write("\x1b[H\x1b[2J" + frame + "\n")
                else:
                    sys.stdout.write(frame + "\n\n")
                sys.stdout.flush()

    from dualmind.agents.mind_agent import MindConfig

    minds = MindConfig(slow=args.backend, fast=args.fast_backend,
                       slow_latency=None if args.slow_latency < 0 else args.slow_latency,
                       fast_latency=None if args.fast_latency < 0 else args.fast_latency)
    result = play_episode(args.layout, (names[0], names[1]), seed=args.seed, seconds=args.seconds,
                          clock=args.clock, on_tick=on_tick, minds=minds, record=args.record)
    summary = result.to_json()
    if args.json:
        print(json.dumps(summary))
    else:
        line = (f"final score {result.score}: served {result.served}, expired {result.expired}, "
                f"fires {result.fires}, {result.ticks} ticks")
        if "compliance" in summary:
            line += f"; compliance {summary['compliance']}"
        print(line)
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from dualmind.web.app import create_app

    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"dualmind: serving on {args.host}: anyone who can reach it can play", file=sys.stderr)
    url = f"http://{args.host}:{args.port}/"
    print(f"dualmind: open {url} (records: {args.records}; records page: {url}records)")
    if getattr(args, "open", False):
        import webbrowser

        webbrowser.open(url)
    uvicorn.run(create_app(args.records), host=args.host, port=args.port, log_level="warning",
                ws="websockets-sansio")
    return 0


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
                print(f"[{(state.tick - 1) * tick_s:6.1f} s] player {e.player}: {e.detail[:200]}")
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
    from dualmind.bench.report import markdown, plots, write_csv

    def names(text: str) -> list[str]:
        return [n.strip() for n in text.split(",") if n.strip()]

    slow = [args.slow_latency]
    if args.sweep:
        param, _, values = args.sweep.partition("=")
        if param != "slow-latency" or not values:
            raise DualmindError("--sweep takes slow-latency=V1,V2,... (e.g. slow-latency=0.5,1,2,4,8)")
        slow = [float(v) for v in values.split(",")]
    jobs = make_jobs(names(args.agents), names(args.layouts), names(args.partners), args.episodes,
                     args.seconds, args.clock, slow, args.fast_latency, args.backend, args.fast_backend)
    out = Path(args.out)
    rows = run_jobs(jobs, out, workers=args.workers, ray_address=args.ray, progress=not args.json)
    table = aggregate(rows)
    write_csv(table, out / "results.csv")
    md = markdown(table)
    (out / "results.md").write_text(md + "\n")
    made = plots(table, out)
    if args.readme:
        _write_readme_results(md, made, args, Path("README.md"))
    if args.json:
        print(json.dumps({"rows": table}))
    else:
        print(md)
        print(f"\nwrote {out}/results.csv, results.md, episodes.jsonl, records/ and "
              + ", ".join(p.name for p in made))
    return 0


def _write_readme_results(md: str, made, args: argparse.Namespace, readme) -> None:
    """Replace the README's Results section (between markers) with this run's table."""
    import shlex
    import shutil

    start, end = "<!-- results:start -->", "<!-- results:end -->"
    text = readme.read_text()
    if start not in text:
        text += f"\n## Results\n\n{start}\n{end}\n"
    figures = readme.parent / "docs" / "results"
    figures.mkdir(parents=True, exist_ok=True)
    links = []
    for p in made:
        shutil.copy(p, figures / p.name)
        links.append(f"![{p.stem}](docs/results/{p.name})")
    command = "dualmind " + " ".join(shlex.quote(a) for a in args.argv if a != "--readme")
    body = (f"{start}\nGenerated by `{command} --readme` (virtual clock; every number below is "
            f"measured by that run).\n\n{md}\n\n" + "\n".join(links) + f"\n{end}")
    before, _, rest = text.partition(start)
    _, _, after = rest.partition(end)
    readme.write_text(before + body + after)


def _cmd_bench(args: argparse.Namespace) -> int:
    if args.what == "env":
        from dualmind.bench.env import bench_env
        from dualmind.game.layout import shipped_layouts

        layouts = shipped_layouts() if args.layout == "all" else [args.layout or "ring"]
        for name in layouts:
            result = bench_env(name, steps=args.steps, rounds=args.rounds,
                               vs_overcooked_ai=args.vs_overcooked_ai,
                               speed_limits=args.speed_limits)
            if args.json:
                print(json.dumps(result))
            else:
                line = f"{name:<12} {result['steps_per_second']:>12,.0f} steps/s"
                if "ratio_vs_overcooked_ai" in result:
                    line += (f"   overcooked-ai {result['overcooked_ai_layout']}: "
                             f"{result['overcooked_ai_steps_per_second']:,.0f} steps/s"
                             f"   ratio {result['ratio_vs_overcooked_ai']:.2f}x")
                print(line)
        return 0
    if args.what == "executor":
        from dualmind.bench.executor import bench_executor
        from dualmind.game.layout import shipped_layouts

        layouts = shipped_layouts() if args.layout in ("all", None) else [args.layout]
        rows = [bench_executor(name) for name in _progress(layouts, "executor", args.json)]
        overall = {"p50_us": max(r["p50_us"] for r in rows), "p99_us": max(r["p99_us"] for r in rows)}
        if args.json:
            print(json.dumps({"layouts": rows, **overall}))
        else:
            for r in rows:
                print(f"{r['layout']:<12} p50 {r['p50_us']:7.1f} us   p99 {r['p99_us']:7.1f} us   "
                      f"max {r['max_us']:8.1f} us   ({r['decisions']} decisions)")
        return 0
    if args.what == "language":
        from dualmind.bench.language import available_interpreters, bench_interpreter

        names = [args.backend] if args.backend else available_interpreters()
        rows = [bench_interpreter(n) for n in _progress(names, "language", args.json)]
        if args.json:
            print(json.dumps({"backends": rows}))
        for r in rows if not args.json else ():
            if not r["available"]:
                print(f"{r['backend']:<10} not available: {r['error']}")
                continue
            kinds = "  ".join(f"{k} {v:.0%}" for k, v in r["per_kind"].items())
            print(f"{r['backend']:<10} {r['accuracy']:.1%} of {r['cases']}   p50 {r['p50_ms']:.1f} ms"
                  f"   p99 {r['p99_ms']:.1f} ms   ({kinds})")
        return 0
    if args.what == "all":
        from dualmind.bench.suite import bench_all

        result = bench_all(quick=args.quick, wall_seconds=args.seconds)
        if args.json:
            print(json.dumps(result))
        else:
            for r in result["env"]:
                extra = (f"  {r['ratio_vs_overcooked_ai']:.1f}x overcooked-ai"
                         if "ratio_vs_overcooked_ai" in r else "")
                print(f"env       {r['layout']:<11} {r['steps_per_second']:>10,.0f} steps/s  "
                      f"{r['ratio_vs_plain_loop']:.2f}x plain loop{extra}")
            for r in result["executor"]:
                print(f"executor  {r['layout']:<11} p50 {r['p50_us']:.1f} us  p99 {r['p99_us']:.1f} us  "
                      f"({r['p99_vs_game_step']:.1f}x a game step)")
            for r in result["language"]:
                if r.get("available"):
                    print(f"language  {r['backend']:<11} {r['accuracy']:.1%}  p50 {r['p50_ms']} ms  "
                          f"p99 {r['p99_ms']} ms")
            e = result["embedded_call"]
            if e.get("available"):
                print(f"embedded  one call: p50 {e['p50_ms']} ms  p99 {e['p99_ms']} ms  "
                      f"({e['prompt_tokens']} prompt tokens; load {e['load_s']} s)")
            for r in result["wall"] or ():
                print(f"wall      load {r['load']:<7} missed {r['missed_ticks']}  lateness p99 "
                      f"{r['lateness_p99_ms']:.2f} ms  executor p99 {r['executor_p99_ms']:.3f} ms")
            if result["web"]:
                w = result["web"]["twenty_games"]
                print(f"web       20 games: p99 {w['lateness_p99_ms']:.2f} ms ({w['p99_vs_one_game']}x one "
                      f"game), missed {w['missed_ticks']}, dropped {w['messages_dropped']}")
        return 0
    if args.what == "web":
        from dualmind.bench.web import bench_web

        result = bench_web(games=args.games, seconds=args.seconds, agent=args.agent)
        if args.json:
            print(json.dumps(result))
        else:
            print(f"{result['finished']}/{result['games']} games x {result['seconds']:g} s: tick lateness "
                  f"p50 {result['lateness_p50_ms']:.2f} ms, worst p99 {result['lateness_p99_ms']:.2f} ms "
                  f"({result['lateness_p99_ticks']:.3f} ticks), missed {result['missed_ticks']}, "
                  f"dropped {result['messages_dropped']}")
        return 0
    if args.what == "wall":
        from dualmind.bench.wall import bench_wall

        rows = bench_wall(seconds=args.seconds)
        if args.json:
            print(json.dumps({"runs": rows}))
        else:
            for r in rows:
                print(f"load {r['load']:<8} missed {r['missed_ticks']}  lateness p50 "
                      f"{r['lateness_p50_ms']:.2f} ms  p99 {r['lateness_p99_ms']:.2f} ms  executor p99 "
                      f"{r['executor_p99_ms']:.3f} ms  model calls {r['model_calls_during_run']}")
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
    interpreter = make_interpreter(args.backend, base_url=args.base_url, model=args.model,
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

    p = sub.add_parser("layouts", help="list the shipped layouts")
    p.set_defaults(func=_cmd_layouts)

    p = sub.add_parser("check-layout", help="validate a layout file (exit 2 with FILE:LINE:COL on error)")
    p.add_argument("file", help="path to a layout file")
    p.set_defaults(func=_cmd_check_layout)

    p = sub.add_parser("play", help="play one game headless or rendered as text")
    p.add_argument("--layout", default="ring", help="shipped layout name or file (default ring)")
    p.add_argument("--agents", default="random,random",
                   help="two agent names, player 0 then player 1 (default random,random)")
    p.add_argument("--clock", choices=("virtual", "wall"), default="virtual",
                   help="virtual: as fast as the CPU allows; wall: real time")
    p.add_argument("--seconds", type=float, default=None,
                   help="game seconds to play (default: the layout's episode length)")
    p.add_argument("--seed", type=int, default=0, help="episode seed (orders, agents)")
    p.add_argument("--slow-latency", type=float, default=4.0,
                   help="game seconds per slow-mind call (default 4.0; -1: measured)")
    p.add_argument("--fast-latency", type=float, default=0.3,
                   help="game seconds per fast-mind call (default 0.3; -1: measured)")
    p.add_argument("--backend", default="learned",
                   help="slow mind's interpreter: learned (default), rules, embedded, openai")
    p.add_argument("--fast-backend", default="rules",
                   help="fast mind's quick interpreter: rules (default), learned, embedded")
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
    p.set_defaults(func=_cmd_serve)

    p = sub.add_parser("replay", help="play a recorded episode back as text, checking it exactly")
    p.add_argument("file", help="SQLite record file written by play --record")
    p.add_argument("--episode", type=int, default=None, help="episode id (default: the last one)")
    p.add_argument("--list", action="store_true", help="list the episodes in the file")
    p.add_argument("--every", type=float, default=10.0,
                   help="print a frame every this many game seconds (0: only the end)")
    p.set_defaults(func=_cmd_replay)

    p = sub.add_parser("interpret", help="read one chat message as the slow mind would")
    p.add_argument("message", help="the human's message (put it after --)")
    p.add_argument("--backend", default="learned",
                   help="learned (default), rules, embedded, openai")
    p.add_argument("--orders", default="bob,cathy,david", help="open orders, oldest first")
    p.add_argument("--cooking", default="", help="soups cooking or ready, comma separated")
    p.add_argument("--last", default=None, help='the last intention, e.g. "chop(tomato) x2"')
    p.add_argument("--base-url", default=None, help="OpenAI-compatible server (or DUALMIND_BASE_URL)")
    p.add_argument("--model", default=None, help="model name on that server (or DUALMIND_MODEL)")
    p.add_argument("--api-key", default=None, help="API key (or DUALMIND_API_KEY)")
    p.add_argument("--json", action="store_true", help="print JSON: kind, macros, reply")
    p.set_defaults(func=_cmd_interpret)

    p = sub.add_parser("eval", help="compare agents on layouts with partners (tables and plots)")
    p.add_argument("--agents", default="hla,smoa,fmoa,nea,scripted")
    p.add_argument("--layouts", default="ring,partition,bottleneck,quick")
    p.add_argument("--partners", default="partner,silent")
    p.add_argument("--episodes", type=int, default=5, help="seeds per combination (paired)")
    p.add_argument("--seconds", type=float, default=None, help="game seconds per episode")
    p.add_argument("--clock", choices=("virtual", "wall"), default="virtual")
    p.add_argument("--slow-latency", type=float, default=4.0)
    p.add_argument("--fast-latency", type=float, default=0.3)
    p.add_argument("--backend", default="learned", help="slow mind's interpreter")
    p.add_argument("--fast-backend", default="rules", help="fast mind's quick interpreter")
    p.add_argument("--sweep", default=None, help="e.g. slow-latency=0.5,1,2,4,8")
    p.add_argument("--workers", type=int, default=2, help="worker processes")
    p.add_argument("--ray", default=None, metavar="ADDRESS",
                   help="run episodes on a Ray cluster ('local' starts one here)")
    p.add_argument("--out", default="out/eval", help="output folder (reused to resume)")
    p.add_argument("--readme", action="store_true", help="write the table into README.md's Results")
    p.add_argument("--json", action="store_true", help="print the table as JSON")
    p.set_defaults(func=_cmd_eval)

    p = sub.add_parser("bench", help="performance benchmarks")
    p.add_argument("what", choices=("all", "env", "executor", "language", "wall", "web"),
                   help="env: game steps per second; executor: decision latency per layout; "
                        "language: interpreter accuracy and latency")
    p.add_argument("--backend", default=None, help="language: one interpreter (default: all)")
    p.add_argument("--seconds", type=float, default=30.0, help="wall: real seconds per run")
    p.add_argument("--quick", action="store_true", help="all: fewer steps, no wall-clock runs")
    p.add_argument("--games", type=int, default=20, help="web: concurrent games")
    p.add_argument("--agent", default="scripted", help="web: the agent in every game")
    p.add_argument("--layout", default=None,
                   help="layout name, or 'all' (default: ring for env, all for executor)")
    p.add_argument("--steps", type=int, default=50_000, help="steps per round (default 50000)")
    p.add_argument("--rounds", type=int, default=3, help="rounds; the median is reported")
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
    try:
        return args.func(args)
    except (DualmindError, ValueError, ImportError) as e:
        print(f"dualmind: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
