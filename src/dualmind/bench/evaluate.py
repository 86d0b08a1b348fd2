"""``dualmind eval``: every agent on every layout with every partner, paired seeds.

Each episode is a job (agent, layout, partner, seed, latencies); all agents get the same
seeds, so comparisons are paired. Jobs run in worker processes (or on a Ray cluster) and
every finished job is appended to ``DIR/episodes.jsonl`` at once, which is what makes a
run resumable: jobs already there are skipped. Each episode is also recorded to
``DIR/records/*.sqlite`` for replay. The table has the mean and a 95% interval (exact
Student t quantile) of every metric per agent x layout x partner (x swept value).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing as mp
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dualmind.runtime.stats import mean_ci
from dualmind.vocab import AGENTS

METRICS = ("score", "served", "expired", "fires", "compliance", "command_to_macro_s",
           "command_to_action_s", "reply_latency_s", "macro_latency_s", "atomic_latency_ms",
           "fallbacks", "model_errors",
           # team metrics (dualmind.runtime.team, partners.judge)
           "acknowledged", "wasted_items", "duplicated_steps", "agent_idle_s", "max_unused_s",
           "deadlocks")


@dataclass(frozen=True)
class Job:
    agent: str
    layout: str
    partner: str
    seed: int
    seconds: float | None
    clock: str
    slow_latency: float | str | None
    fast_latency: float | str | None
    backend: str
    fast_backend: str
    fast_mind: str = "code"

    @property
    def key(self) -> str:
        # The code fast mind adds nothing to the key, so runs from before the flag resume.
        mind = "" if self.fast_mind == "code" else f"-fm{self.fast_mind}"
        return (f"{self.agent}-{self.layout}-{self.partner}-s{self.seed}-sl{self.slow_latency}"
                f"-fl{self.fast_latency}-{self.backend}-{self.fast_backend}-{self.seconds}-{self.clock}{mind}")


def make_jobs(agents: list[str], layouts: list[str], partners: list[str], episodes: int,
              seconds: float | None, clock: str, slow_latencies: list[float | str | None],
              fast_latency: float | str | None, backend: str, fast_backend: str,
              fast_mind: str = "code") -> list[Job]:
    return [Job(a, lay, p, seed, seconds, clock, sl, fast_latency, backend, fast_backend, fast_mind)
            for sl in slow_latencies for lay in layouts for p in partners
            for seed in range(episodes) for a in agents]


def record_name(key: str) -> str:
    """The record file of a job: its key, made safe as one file name. A partner or layout
    given as a path ("personas/mine.toml") put a '/' in the key, and `eval` stopped on
    "unable to open database file"; a changed or overlong key keeps a hash of the whole
    key, so two paths never share a record."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", key)
    if safe != key or len(safe) > 180:
        safe = f"{safe[:160]}-{hashlib.sha256(key.encode()).hexdigest()[:12]}"
    return f"{safe}.sqlite"


def run_job(job: Job, records_dir: str | None) -> dict:
    """Play one episode (in whatever process this runs) and return its summary row."""
    from dualmind.agents.mind_agent import MindConfig
    from dualmind.bench.episode import play_episode

    minds = MindConfig(slow=job.backend, fast=job.fast_backend, slow_latency=job.slow_latency,
                       fast_latency=job.fast_latency, fast_mind=job.fast_mind)
    record = str(Path(records_dir) / record_name(job.key)) if records_dir else None
    result = play_episode(job.layout, (job.agent, job.partner), seed=job.seed, seconds=job.seconds,
                          clock=job.clock, minds=minds, record=record)
    return {**dataclasses.asdict(job), "key": job.key, **{
        k: v for k, v in result.to_json().items() if k in METRICS or k in ("ticks", "missed_ticks")}}


def _run_job_star(args):
    return run_job(*args)


def done_keys(path: Path) -> set[str]:
    if not path.exists():
        return set()
    keys = set()
    for line in path.read_text().splitlines():
        try:
            keys.add(json.loads(line)["key"])
        except (ValueError, KeyError):
            continue  # a line cut short by an interruption: that job runs again
    return keys


def run_jobs(jobs: list[Job], out: Path, workers: int = 1, ray_address: str | None = None,
             progress: bool = True) -> list[dict]:
    """Run the jobs not already in ``out/episodes.jsonl``; return every row for ``jobs``."""
    from tqdm import tqdm

    out.mkdir(parents=True, exist_ok=True)
    records = out / "records"
    records.mkdir(exist_ok=True)
    log = out / "episodes.jsonl"
    finished = done_keys(log)
    todo = [j for j in jobs if j.key not in finished]
    bar = tqdm(total=len(jobs), initial=len(jobs) - len(todo), desc="episodes", unit="ep",
               disable=not progress, smoothing=0.1)
    with log.open("a") as sink:
        for row in _execute(todo, str(records), workers, ray_address):
            sink.write(json.dumps(row) + "\n")
            sink.flush()
            bar.update(1)
    bar.close()
    wanted = {j.key for j in jobs}
    rows = {}
    for line in log.read_text().splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if row.get("key") in wanted:
            rows[row["key"]] = row
    return list(rows.values())


def _execute(todo: list[Job], records: str, workers: int, ray_address: str | None) -> Iterable[dict]:
    if ray_address:
        try:
            import ray
        except ImportError:
            raise ImportError("--ray needs Ray: pip install 'dualmind[ray]'") from None
        ray.init(address=None if ray_address == "local" else ray_address, ignore_reinit_error=True,
                 include_dashboard=False, log_to_driver=False)
        remote = ray.remote(run_job)
        pending = [remote.remote(job, records) for job in todo]
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            yield ray.get(ready[0])
        return
    if workers <= 1:
        for job in todo:
            yield run_job(job, records)
        return
    with mp.get_context("spawn").Pool(workers) as pool:
        yield from pool.imap_unordered(_run_job_star, [(j, records) for j in todo])


def aggregate(rows: list[dict], by: tuple[str, ...] = ("agent", "layout", "partner", "slow_latency")
              ) -> list[dict]:
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row[k] for k in by), []).append(row)
    table = []
    for key, items in groups.items():
        entry = dict(zip(by, key, strict=True))
        entry["episodes"] = len(items)
        for metric in METRICS:
            mean, ci = mean_ci([r.get(metric) for r in items])
            entry[metric] = None if mean is None else round(mean, 3)
            entry[f"{metric}_ci95"] = None if ci is None else round(ci, 3)
        table.append(entry)
    order = {a: i for i, a in enumerate(AGENTS)}
    table.sort(key=lambda e: (str(e.get("slow_latency")), e["layout"], e["partner"],
                              order.get(e["agent"], 99), e["agent"]))
    return table
