"""The trade model end to end: dev and prod pipelines, every model family, predictions, real workbook.

    python -m benchmarks.ml [--quick] [--pg-url URL]

Builds its input through the real document writer (SQLite in a temporary folder, or a scratch
PostgreSQL database with --pg-url): generated projects of 6 lots each, as ``corpus/priced.py`` draws
them (18 trades, mixed lots, typos…); full size: 760 projects, over 100,000 line items; --quick: 40.

- dev: the pipeline with the dev settings (5,000-line stratified sample, 3 grouped folds), each step
  timed (extract, transform, load, features, train, evaluate with the other families, predict);
- prod: the same with the prod settings (every labelled line, 5 grouped folds), without retraining the
  other families inside the evaluation (counted apart, below);
- families, on the prod split: each family (and the majority baseline, the bar to clear) fitted on the
  training projects and scored by macro-F1 on the held-out projects, with its fit time: the default
  family is the winner;
- real workbook (../shared/samples/real/, lot "CVC - Electricité", never trained on): the share of its
  CVC chapter predicted ``cvc`` and of its courants forts chapter predicted ``electricite_courants_forts``.

Peak memory is the process's maximum resident set (everything above included). Wall seconds and CPU
seconds are both given: on a machine shared with other work, CPU seconds say what the code costs.
Prints readable lines, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path

from sklearn.base import clone
from sklearn.metrics import f1_score

from dpgf_assets.corpus.priced import priced_documents, write_priced
from dpgf_assets.ml import FAMILIES, steps
from dpgf_assets.ml.artefacts import load_model
from dpgf_assets.ml.evaluation import majority_scores
from dpgf_assets.ml.features import prepare
from dpgf_assets.ml.lines import document_lines
from dpgf_assets.ml.models import fit, make_classifier
from dpgf_assets.settings import PROJECT_ROOT, load_settings
from dpgf_assets.warehouse.db import open_warehouse, scratch_database

REAL = PROJECT_ROOT.parent / "shared" / "samples" / "real" / "dpgf_25S012_lot04_cvc_elec.xlsx"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pipeline(engine, cfg: steps.MLConfig) -> dict:  # noqa: ANN001 - a SQLAlchemy Engine
    """Every step of one mode, timed."""
    seconds, cpu = {}, {}

    def timed(name, call):  # noqa: ANN001, ANN202
        start, start_cpu = time.perf_counter(), time.process_time()
        value = call()
        seconds[name] = round(time.perf_counter() - start, 2)
        cpu[name] = round(time.process_time() - start_cpu, 2)
        return value

    lines = timed("extract", lambda: steps.extract(engine))
    training = timed("transform", lambda: steps.transform(lines, cfg))
    timed("load", lambda: steps.load(engine, cfg, training))
    features = timed("features", lambda: steps.fit_features(engine, cfg))
    trained = timed("train", lambda: steps.train(engine, cfg))
    evaluation, _ = timed("evaluate", lambda: steps.evaluate(engine, cfg))
    predicted = timed("predict", lambda: steps.predict(engine, cfg))
    return {"seconds": seconds, "cpu": cpu, "total": round(sum(seconds.values()), 2), "lines": len(lines),
            "training_rows": len(training.lines), "features": features.features, "model": trained,
            "evaluation": evaluation, "predicted": predicted}


def families_on_split(engine, cfg: steps.MLConfig) -> dict:  # noqa: ANN001
    """Held-out macro-F1 and fit seconds of every family on the mode's split, plus the majority baseline."""
    train = steps.training_lines(engine, cfg.mode, "train")
    heldout = steps.training_lines(engine, cfg.mode, "heldout")
    transformer = steps.load_features(cfg)
    train_x, test_x = transformer.transform(prepare(train)).tocsr(), transformer.transform(prepare(heldout)).tocsr()
    out = {}
    for family in FAMILIES:
        start = time.perf_counter()
        model = fit(clone(make_classifier(cfg.params, family)), train_x, train["trade"].to_numpy())
        fit_seconds = time.perf_counter() - start
        f1 = f1_score(heldout["trade"], model.predict(test_x), average="macro", zero_division=0)
        out[family] = {"macro_f1": round(f1, 4), "fit_seconds": round(fit_seconds, 2)}
    out["majority"] = {"macro_f1": round(majority_scores(train["trade"].to_numpy(), heldout["trade"].to_numpy())[1], 4),
                       "fit_seconds": 0.0}
    return out


def real_workbook_shares(data_dir: Path, mode: str) -> dict:
    """Share of the real workbook's CVC chapter predicted cvc, and of its courants forts chapter predicted
    electricite_courants_forts."""
    from dpgf_assets.parsing import parse_workbook

    frame = document_lines(parse_workbook(REAL, source_path=REAL.name))
    trades, _ = steps.predict_frame(load_model(data_dir, mode), frame)
    frame = frame.assign(trade=trades)
    cvc = frame[frame["section_path"].str.upper().str.contains(": CVC")]
    cfo = frame[frame["section_path"].str.upper().str.contains("COURANTS FORTS")]
    return {"cvc_lines": len(cvc), "cvc_share": round(float((cvc["trade"] == "cvc").mean()), 3),
            "cfo_lines": len(cfo),
            "cfo_share": round(float((cfo["trade"] == "electricite_courants_forts").mean()), 3),
            "cvc_trades": cvc["trade"].value_counts().to_dict(), "cfo_trades": cfo["trade"].value_counts().to_dict()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="40 projects instead of 760 (under a minute)")
    parser.add_argument("--pg-url", help="PostgreSQL admin URL: the warehouse is a scratch database there")
    args = parser.parse_args(argv)
    projects = 40 if args.quick else 760
    settings = load_settings(environ={})
    with tempfile.TemporaryDirectory(prefix="dpgf-ml-bench-") as tmp, \
            (scratch_database(args.pg_url, prefix="dpgf_mlb") if args.pg_url else nullcontext(None)) as pg:
        url = pg or f"sqlite:///{tmp}/warehouse.sqlite"
        engine = open_warehouse(url)
        start = time.perf_counter()
        items = write_priced(engine, priced_documents(projects, 6, seed=2026))
        print(f"warehouse: {items} line items of {projects} projects written in {time.perf_counter() - start:.1f}s "
              f"({'PostgreSQL' if pg else 'SQLite'})")
        figures: dict = {"quick": args.quick, "warehouse": "postgresql" if pg else "sqlite", "projects": projects}
        runs = {}
        for mode in ("dev", "prod"):
            cfg = replace(steps.config_of(settings, mode), data_dir=Path(tmp), compare_families=mode == "dev")
            run = runs[mode] = pipeline(engine, cfg)
            evaluation = run["evaluation"]
            print(f"{mode}: {run['total']:.1f}s for {run['lines']} lines, {run['training_rows']} training lines, "
                  f"{run['features']} features; steps {run['seconds']}")
            print(f"  {cfg.family} ({run['model'].model_version}): CV macro-F1 "
                  f"{[f['macro_f1'] for f in run['model'].folds]}, held-out macro-F1 {evaluation.macro_f1:.4f}, "
                  f"accuracy {evaluation.accuracy:.4f} (majority baseline {evaluation.majority_macro_f1:.4f})")
            print(f"  predictions: {run['predicted'].predicted} lines, {run['predicted'].confidence}, "
                  f"{run['predicted'].predicted / run['seconds']['predict']:.0f} items/s "
                  f"({run['predicted'].predicted / max(run['cpu']['predict'], 1e-9):.0f} per CPU second); "
                  f"CPU seconds per step {run['cpu']}; load average {os.getloadavg()[0]:.1f}")
        prod_cfg = replace(steps.config_of(settings, "prod"), data_dir=Path(tmp))
        families = families_on_split(engine, prod_cfg)
        for family, result in families.items():
            print(f"prod split, {family}: held-out macro-F1 {result['macro_f1']:.4f}, fit {result['fit_seconds']:.1f}s")
        winner = max(FAMILIES, key=lambda f: families[f]["macro_f1"])
        runner_up = max((f for f in FAMILIES if f != winner), key=lambda f: families[f]["macro_f1"])
        print(f"best family on held-out projects: {winner}, by {families[winner]['macro_f1'] - families[runner_up]['macro_f1']:.4f} "
              f"macro-F1 over {runner_up}")
        real = real_workbook_shares(Path(tmp), "prod") if REAL.exists() else {}
        if real:
            print(f"real workbook ({REAL.name}): CVC chapter {real['cvc_share']:.0%} cvc of {real['cvc_lines']} lines "
                  f"{real['cvc_trades']}; courants forts chapter {real['cfo_share']:.0%} electricite_courants_forts "
                  f"of {real['cfo_lines']} lines {real['cfo_trades']}")
        prod = runs["prod"]
        figures.update(
            dev_seconds=runs["dev"]["total"], dev_steps=runs["dev"]["seconds"], prod_seconds=prod["total"],
            prod_steps=prod["seconds"], prod_items=prod["lines"], prod_training_rows=prod["training_rows"],
            peak_rss_mb=round(peak_rss_mb(), 1),
            predict_items_per_s=round(prod["predicted"].predicted / prod["seconds"]["predict"], 1),
            predict_items_per_cpu_s=round(prod["predicted"].predicted / max(prod["cpu"]["predict"], 1e-9), 1),
            dev_cpu_seconds=round(sum(runs["dev"]["cpu"].values()), 2),
            prod_cpu_seconds=round(sum(prod["cpu"].values()), 2), prod_cpu_steps=prod["cpu"],
            load_average_end=round(os.getloadavg()[0], 1),
            default_family=prod_cfg.family, heldout_macro_f1=round(prod["evaluation"].macro_f1, 4),
            heldout_accuracy=round(prod["evaluation"].accuracy, 4),
            majority_macro_f1=families["majority"]["macro_f1"],
            **{f"{family}_macro_f1": families[family]["macro_f1"] for family in FAMILIES},
            **{f"{family}_fit_seconds": families[family]["fit_seconds"] for family in FAMILIES},
            best_family=winner, real_cvc_share=real.get("cvc_share"), real_cfo_share=real.get("cfo_share"))
        engine.dispose()
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
