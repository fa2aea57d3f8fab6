"""Pregenerated briefs, the language-model pool and the API under load, into PostgreSQL.

    python -m benchmarks.content [--quick] [--pg-url URL]

Builds its inputs in a scratch PostgreSQL database: N projects (1,000; --quick: 150) of two priced
offers of 20 to 40 articles each, written by the real document writer, and their price reference.

- templates, ours: ``pregenerate`` with the template generator (facts read a chunk of projects at a
  time, ``content.workers`` threads, one bulk upsert and one transaction per project), every
  combination of the default criteria (36 per project), then the same again (everything skipped);
- templates, baseline: what the former system did, in the same run on the same facts and generator:
  per project its facts, then per combination a SELECT of the existing row, an INSERT or UPDATE and a
  COMMIT, one at a time;
- language model: the LLM generator against the fake OpenAI-compatible endpoint in another process,
  100 ms per answer: sequential against a pool of W workers (forced, so every brief is requested);
- API: ``dpgf serve`` in another process on 127.0.0.1, and a load generator of our own in a third
  (Python threads on keep-alive connections, open loop: request i leaves at i / 200 s whatever the
  previous answers did, latency counted from then), 200 requests/s of GET /api/content for random
  projects and criteria (nine in ten) and of the project, stats, criteria and price-reference routes.

Prints readable lines, then one JSON line.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from urllib.parse import quote, urlencode

from sqlalchemy import delete, select, update

from dpgf_assets.content.criteria import Criteria
from dpgf_assets.content.facts import FactsOptions, load_facts, resolve_projects
from dpgf_assets.content.llm import LLMGenerator, LLMSettings
from dpgf_assets.content.reference import load_reference, refresh_reference
from dpgf_assets.content.template import TemplateGenerator
from dpgf_assets.content.writer import pregenerate
from dpgf_assets.corpus.trades import canonical_lots
from dpgf_assets.parsing.model import LineItem, ParsedDocument, Total
from dpgf_assets.settings import PROJECT_ROOT, load_settings
from dpgf_assets.warehouse.db import open_warehouse, scratch_database
from dpgf_assets.warehouse.documents import FileVersion, replace_document
from dpgf_assets.warehouse.schema import pregenerated_content

LOTS = canonical_lots()

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
UNITS = {"ens": "ens", "ENS": "ens", "Ft": "ft", "ml": "m", "m": "m", "m2": "m2", "m3": "m3", "u": "u", "kg": "kg",
         "PM": "pm", "cmp": "cmp"}


def build_warehouse(engine, projects: int, seed: int = 7) -> int:
    """Two priced offers per project, articles drawn from the corpus vocabulary; line items written."""
    rng = random.Random(seed)
    items = 0
    for p in range(projects):
        key = f"Projets/{2020 + p % 6}-{p:04d} Opération {p}"
        code, lot_name, chapters = LOTS[p % len(LOTS)]
        pool = [a for _, articles in chapters for a in articles]
        for company in ("Entreprise A", "Entreprise B"):
            lines = []
            for row in range(rng.randint(20, 40)):
                designation, unit_raw, low, high = rng.choice(pool)
                unit = UNITS[unit_raw]
                if unit in ("pm", "cmp"):
                    lines.append(LineItem("DPGF", row, None, designation, unit, unit_raw, None, None, None,
                                          "pm" if unit == "pm" else "included", None))
                    continue
                quantity = 1.0 if unit in ("ens", "ft") else float(rng.randint(1, 300))
                price = round(rng.uniform(low, high) * (0.3 if rng.random() < 0.02 else 1.0), 2)
                lines.append(LineItem("DPGF", row, None, designation, unit, unit_raw, quantity, price,
                                      round(quantity * price, 2), "article", None))
            declared = round(sum(i.total or 0 for i in lines) * (1.01 if rng.random() < 0.1 else 1.0), 2)
            parsed = ParsedDocument(f"{company}.xlsx", "DPGF", 0.9, [], code, lot_name, items=lines,
                                    totals=[Total("DPGF", 99, "TOTAL HT", "total_ht", declared)])
            path = f"{key}/Offres/{company} - Lot {code}.xlsx"
            replace_document(engine, FileVersion("bench", path, "e1", path, key, key.rsplit("/", 1)[-1]), parsed)
            items += len(lines)
    return items


def baseline(engine, criteria: Criteria, generator, options: FactsOptions) -> float:
    """The former writer: per combination, look the row up, insert or update it, commit. Returns seconds."""
    t = pregenerated_content.c
    started = time.perf_counter()
    with engine.connect() as conn:
        projects = resolve_projects(conn)
        reference = load_reference(conn, options.reference_min_count)
    for project in projects:
        with engine.connect() as conn:
            facts = load_facts(conn, [project], reference, options, None)[project.id]
            for c in criteria.combinations():
                key = (t.project_id == project.id) & (t.audience == c.audience) & (t.theme == c.theme) \
                    & (t.style == c.style)
                existing = conn.execute(select(t.facts_hash).where(key)).first()
                if existing is not None and existing[0] == facts.digest:
                    continue
                values = {"text": generator.generate(facts, c), "facts_hash": facts.digest,
                          "generator": generator.name, "generated_at": datetime.now(timezone.utc)}
                if existing is None:
                    conn.execute(pregenerated_content.insert().values(
                        project_id=project.id, audience=c.audience, theme=c.theme, style=c.style, **values))
                else:
                    conn.execute(update(pregenerated_content).where(key).values(**values))
                conn.commit()
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url_host: str, port: int, path: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(url_host, port, timeout=1)
            conn.request("GET" if path != "/v1/chat/completions" else "HEAD", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answers on {url_host}:{port}")


def load(port: int, paths: list[str], rate: float, seconds: float, threads: int, out) -> None:  # noqa: ANN001
    """Open-loop load in this process: request i leaves at start + i / rate; latencies from then."""
    total = int(rate * seconds)
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = time.perf_counter() + 0.5

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        for i in range(k, total, threads):
            due = start + i / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            try:
                conn.request("GET", paths[i % len(paths)])
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                ok = False
            mine.append(time.perf_counter() - due)
            if not ok:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    pool = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - start
    out.put({"latencies": latencies, "errors": errors[0], "elapsed": elapsed})


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="150 projects, short LLM and API runs (< 1 min)")
    parser.add_argument("--pg-url", default=os.environ.get("DPGF_TEST_POSTGRES_URL", DEFAULT_PG))
    parser.add_argument("--llm-workers", type=int, default=8)
    args = parser.parse_args(argv)
    projects = 150 if args.quick else 1000
    settings = load_settings(environ={})
    workers = settings["content.workers"]
    criteria = Criteria()
    options = FactsOptions()
    figures: dict = {"projects": projects, "combinations_per_project": len(criteria.combinations())}
    with scratch_database(args.pg_url, prefix="dpgf_bench") as url:
        engine = open_warehouse(url)
        t = time.perf_counter()
        items = build_warehouse(engine, projects)
        reference = refresh_reference(engine, options.reference_min_count)
        print(f"warehouse: {projects} projects, {items} line items, {reference.references} references "
              f"in {time.perf_counter() - t:.1f}s")

        generator = TemplateGenerator()
        ours = pregenerate(engine, criteria, generator, workers=workers, options=options)
        assert ours.failed == 0 and ours.generated == projects * len(criteria.combinations()), ours.summary()
        print(f"templates, ours ({workers} workers): {ours.summary()}")
        again = pregenerate(engine, criteria, generator, workers=workers, options=options)
        print(f"templates, ours, second run: {again.summary()}")
        with engine.begin() as conn:
            conn.execute(delete(pregenerated_content))
        seconds = baseline(engine, criteria, generator, options)
        base_rate = ours.combinations / seconds
        print(f"templates, baseline (look-up + commit per row): {ours.combinations} combinations in {seconds:.1f}s "
              f"({base_rate:.0f} combinations/s)")
        figures.update(template_comb_per_s=round(ours.combinations_per_s, 1),
                       template_skip_comb_per_s=round(again.combinations_per_s, 1),
                       baseline_comb_per_s=round(base_rate, 1), template_workers=workers,
                       template_speedup=round(ours.combinations_per_s / base_rate, 2))

        port = free_port()
        fake = subprocess.Popen([sys.executable, "-m", "dpgf_assets.content.fake_llm", "--port", str(port),
                                 "--latency", "0.1"], stdout=subprocess.PIPE, text=True)
        try:
            base_url = fake.stdout.readline().strip()
            llm = LLMGenerator(LLMSettings(base_url=base_url, model="fake", timeout_seconds=10))
            keys = [p.key for p in resolve_projects(engine.connect())]
            few, more = (keys[:1], keys[1:5]) if args.quick else (keys[:3], keys[3:13])
            sequential = pregenerate(engine, criteria, llm, project_keys=few, sequential=True, force=True,
                                     options=options)
            pooled = pregenerate(engine, criteria, llm, project_keys=more, workers=args.llm_workers, force=True,
                                 options=options)
            llm.close()
        finally:
            fake.terminate()
            fake.wait(timeout=10)
        assert sequential.failed == 0 and pooled.failed == 0
        print(f"LLM (100 ms per answer), sequential: {sequential.summary()}")
        print(f"LLM (100 ms per answer), pool of {args.llm_workers}: {pooled.summary()}")
        figures.update(llm_sequential_comb_per_s=round(sequential.combinations_per_s, 2),
                       llm_pool_comb_per_s=round(pooled.combinations_per_s, 2), llm_workers=args.llm_workers,
                       llm_speedup=round(pooled.combinations_per_s / sequential.combinations_per_s, 2))
        pregenerate(engine, criteria, generator, workers=workers, options=options)  # template briefs for the API

        api_port = free_port()
        env = {**os.environ, "DPGF_WAREHOUSE_URL": url, "DPGF_DATA_DIR": os.path.join(PROJECT_ROOT, ".dpgf"),
               "DPGF_API_TOKEN": ""}
        server = subprocess.Popen([sys.executable, "-m", "dpgf_assets.cli", "serve", "--port", str(api_port)],
                                  env=env, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            wait_for("127.0.0.1", api_port, "/health")
            rng = random.Random(3)
            paths = []
            for i in range(2000):
                key = rng.choice(keys)
                c = rng.choice(criteria.combinations())
                if i % 10:
                    paths.append("/api/content?" + urlencode({"project": key, "audience": c.audience,
                                                               "theme": c.theme, "style": c.style}))
                else:
                    paths.append(rng.choice([f"/api/content/{quote(key)}?limit=5", "/api/content/stats",
                                             "/api/content/criteria", "/api/price-reference?designation=" +
                                             quote(rng.choice(LOTS)[2][0][1][0][0])]))
            rate, seconds = 200.0, (8.0 if args.quick else 30.0)
            context = multiprocessing.get_context("spawn")
            out = context.Queue()
            process = context.Process(target=load, args=(api_port, paths, rate, seconds, 32, out))
            process.start()
            result = out.get(timeout=seconds + 120)
            process.join()
        finally:
            server.terminate()
            server.wait(timeout=15)
        latencies = result["latencies"]
        p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
        achieved = len(latencies) / result["elapsed"]
        print(f"API at {rate:.0f} requests/s for {seconds:.0f}s: {len(latencies)} requests, {result['errors']} errors, "
              f"{achieved:.0f} requests/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(latencies) * 1000:.1f} ms "
              f"(mean {statistics.mean(latencies) * 1000:.1f} ms)")
        figures.update(api_rps=round(achieved, 1), api_target_rps=rate, api_p50_ms=round(p50, 2),
                       api_p99_ms=round(p99, 2), api_errors=result["errors"], api_load="python threads (own)")
        engine.dispose()
    print(json.dumps(figures, allow_nan=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
