"""Writing every brief of every project: skip what is up to date, write the rest in one transaction
per project, count every failure.

A brief is skipped only when it exists, was written from facts with the same hash and by the same
generator; ``force`` rewrites everything. Facts are read a chunk of projects at a time and written
by the calling thread, while a pool of ``workers`` threads writes the briefs: one task per project
for a CPU-bound generator (templates), one per share of a project's briefs for an I/O-bound one (a
language model), so that a single project still keeps every worker busy.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterable

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from dpgf_assets.content.criteria import Combination, Criteria
from dpgf_assets.content.facts import FactsOptions, ProjectFacts, ProjectRef, load_facts, resolve_projects
from dpgf_assets.content.generators import Generator
from dpgf_assets.warehouse.trades import current_model_version
from dpgf_assets.content.reference import load_reference
from dpgf_assets.content.store import delete_other_combinations, stored_state, upsert_briefs

log = logging.getLogger(__name__)
CHUNK = 25  # projects whose facts are read in one pair of queries


@dataclass(frozen=True)
class Failure:
    project: str
    combination: Combination | None  # None: the whole project (its facts or its write failed)
    error: str

    def describe(self) -> str:
        where = self.combination.label() if self.combination else "every combination"
        return f"{self.project} [{where}]: {self.error}"


@dataclass
class GenerationReport:
    projects: int = 0
    combinations: int = 0
    generated: int = 0  # briefs written that did not exist
    refreshed: int = 0  # briefs rewritten: facts changed, another generator, or force
    skipped: int = 0
    failed: int = 0
    removed: int = 0  # briefs of criteria no longer configured
    seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)

    @property
    def combinations_per_s(self) -> float:
        return self.combinations / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        return (f"{self.projects} projects, {self.combinations} combinations: {self.generated} generated, "
                f"{self.refreshed} refreshed, {self.skipped} skipped, {self.failed} failed "
                f"in {self.seconds:.1f}s ({self.combinations_per_s:.0f} combinations/s)")


@dataclass
class _Plan:
    project: ProjectRef
    facts: ProjectFacts
    todo: list[Combination]
    existing: set[Combination]
    stale: bool  # stored briefs of criteria no longer configured
    parts: list = field(default_factory=list)  # futures (pool) or results (sequential), one per share


def _generate_part(generator: Generator, facts: ProjectFacts, combinations: list[Combination]) -> list:
    """Briefs of some combinations: (combination, text or None, error or None) each."""
    out = []
    for combination in combinations:
        try:
            out.append((combination, generator.generate(facts, combination), None))
        except Exception as exc:  # noqa: BLE001 - one brief's failure is counted, the others go on
            out.append((combination, None, f"{type(exc).__name__}: {exc}"))
    return out


def _split(items: list, parts: int) -> list[list]:
    parts = max(1, min(parts, len(items)))
    return [items[i::parts] for i in range(parts)] if items else []


def pregenerate(
    engine: Engine,
    criteria: Criteria,
    generator: Generator,
    *,
    project_keys: Iterable[str] | None = None,
    workers: int = 4,
    sequential: bool = False,
    force: bool = False,
    options: FactsOptions = FactsOptions(),
    on_project: Callable[[int, int], None] = lambda done, total: None,
) -> GenerationReport:
    """Bring every combination of ``criteria`` up to date for the given projects (all when None)."""
    started = time.perf_counter()
    report = GenerationReport()
    combinations = criteria.combinations()
    with engine.connect() as conn:
        projects = resolve_projects(conn, project_keys)
        reference = load_reference(conn, options.reference_min_count)
        model_version = current_model_version(conn)
    report.projects, report.combinations = len(projects), len(projects) * len(combinations)
    pool = None if sequential or workers <= 1 else ThreadPoolExecutor(workers, thread_name_prefix="brief")
    parts = workers if generator.concurrent else 1
    window: deque[_Plan] = deque()
    done = 0

    def finish(plan: _Plan) -> None:
        nonlocal done
        results = [r for part in plan.parts for r in (part.result() if isinstance(part, Future) else part)]
        _store(engine, plan, results, generator, criteria, report)
        done += 1
        on_project(done, len(projects))

    try:
        for start in range(0, len(projects), CHUNK):
            chunk = projects[start:start + CHUNK]
            for plan in _plan_chunk(engine, chunk, combinations, generator, options, reference, model_version,
                                    force, report):
                todo = _split(plan.todo, parts)
                plan.parts = ([pool.submit(_generate_part, generator, plan.facts, p) for p in todo] if pool
                              else [_generate_part(generator, plan.facts, p) for p in todo])
                window.append(plan)
                while window and (len(window) > 2 * workers or all(
                        not isinstance(p, Future) or p.done() for p in window[0].parts)):
                    finish(window.popleft())
        while window:
            finish(window.popleft())
    finally:
        if pool:
            pool.shutdown(wait=True, cancel_futures=True)
    report.seconds = time.perf_counter() - started
    return report


def _plan_chunk(engine: Engine, chunk: list[ProjectRef], combinations: list[Combination], generator: Generator,
                options: FactsOptions, reference: dict, model_version: str | None, force: bool,
                report: GenerationReport) -> list[_Plan]:
    """Facts of a chunk of projects and, per project, the combinations to write."""
    try:
        with engine.connect() as conn:
            facts = load_facts(conn, chunk, reference, options, model_version)
            stored = stored_state(conn, [p.id for p in chunk])
    except Exception as exc:  # noqa: BLE001 - the chunk fails, the next ones go on
        for project in chunk:
            _fail_project(report, project, len(combinations), f"facts: {type(exc).__name__}: {exc}")
        return []
    plans = []
    wanted = set(combinations)
    for project in chunk:
        state = stored[project.id]
        todo = [c for c in combinations
                if force or state.get(c) != (facts[project.id].digest, generator.name)]
        report.skipped += len(combinations) - len(todo)
        plans.append(_Plan(project, facts[project.id], todo, set(state), stale=bool(set(state) - wanted)))
    return plans


def _store(engine: Engine, plan: _Plan, results: list, generator: Generator, criteria: Criteria,
           report: GenerationReport) -> None:
    """Write one project's new briefs (and drop its unconfigured ones) in one transaction."""
    now = datetime.now(timezone.utc)
    rows, written, failures = [], [], []
    for combination, text, error in results:
        if error is not None:
            failures.append(Failure(plan.project.key, combination, error))
            continue
        written.append(combination)
        rows.append({"project_id": plan.project.id, "audience": combination.audience, "theme": combination.theme,
                     "style": combination.style, "text": text, "facts_hash": plan.facts.digest,
                     "generator": generator.name, "generated_at": now})
    if rows or plan.stale:
        try:
            with engine.begin() as conn:
                upsert_briefs(conn, rows)
                removed = delete_other_combinations(conn, plan.project.id, criteria) if plan.stale else 0
        except SQLAlchemyError as exc:
            _fail_project(report, plan.project, len(results), f"write: {type(exc).__name__}: {exc}")
            return
        report.removed += removed
    refreshed = sum(c in plan.existing for c in written)
    report.refreshed += refreshed
    report.generated += len(written) - refreshed
    for failure in failures:
        report.failed += 1
        report.failures.append(failure)
        log.warning("brief not written: %s", failure.describe())


def _fail_project(report: GenerationReport, project: ProjectRef, count: int, error: str) -> None:
    report.failed += count
    failure = Failure(project.key, None, error)
    report.failures.append(failure)
    log.warning("briefs not written: %s", failure.describe())
