"""The trade model through real Dagster runs on a real warehouse: steps chosen, artefacts per mode,
held-out evaluation, predictions of every line and of new imports only, and what bad input gets."""

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from dagster import AssetKey, AssetMaterialization, evaluate_automation_conditions, instance_for_test
from sqlalchemy import func, select

from dpgf_assets.cli.ml import run_ml
from dpgf_assets.cli.platform import console
from dpgf_assets.corpus.priced import priced_documents, write_priced
from dpgf_assets.definitions import build_definitions
from dpgf_assets.ml.artefacts import artefact
from dpgf_assets.ml.taxonomy import TRADES
from dpgf_assets.settings import PROJECT_ROOT, load_settings
from dpgf_assets.warehouse.db import open_warehouse
from dpgf_assets.warehouse.schema import line_items, model_runs, trade_predictions, training_lines
from dpgf_assets.warehouse.trades import current_model_version
from dpgf_assets_tests.parsing.books import real_workbook

ASSETS = ("training_set", "features", "trade_model", "model_evaluation", "trade_predictions")
DEV_FILES = ("features", "joblib"), ("training_features", "joblib"), ("trade_model", "joblib"), ("trade_model", "json"), ("evaluation", "json"), \
    ("per_trade", "csv"), ("confusion_matrix", "csv"), ("confusion_matrix", "png"), ("roc", "csv"), ("roc", "png"), \
    ("top_features", "csv"), ("top_features", "png"), ("reliability", "png"), ("families", "csv")


def ml_platform(data_dir: Path, url: str):
    settings = load_settings(environ={
        "DPGF_DATA_DIR": str(data_dir), "DPGF_WAREHOUSE_URL": url, "DPGF_SOURCE_PATH": str(data_dir / "none"),
        "DPGF_ML_DEV_SAMPLE_SIZE": "900", "DPGF_ML_DEV_FOLDS": "3", "DPGF_ML_PROD_FOLDS": "2",
        "DPGF_ML_PROD_FAMILY": "naive_bayes", "DPGF_ML_PROD_COMPARE_FAMILIES": "false", "DPGF_ML_DEV_TREES": "10"})
    return settings, build_definitions(settings)


def materialised(instance, asset: str, mode: str) -> bool:
    return mode in instance.get_materialized_partitions(AssetKey(asset))


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("ml") / "data"
    url = f"sqlite:///{data_dir / 'warehouse.sqlite'}"
    engine = open_warehouse(url)
    write_priced(engine, priced_documents(30, 5, seed=5, size=0.6))
    settings, defs = ml_platform(data_dir, url)
    with instance_for_test() as instance:
        platform = SimpleNamespace(defs=defs, instance=instance, settings=settings)
        state = {"platform": platform, "engine": engine, "data_dir": data_dir, "url": url}
        assert run_ml(platform, "dev", ["extract", "transform", "load"]) == 0
        state["after_subset"] = {a: materialised(instance, a, "dev") for a in ASSETS}
        state["files_after_subset"] = sorted(p.name for p in (data_dir / "ml").glob("*")) \
            if (data_dir / "ml").exists() else []
        width, console.width = console.width, 160  # one line per row
        with console.capture() as table:
            assert run_ml(platform, "dev", ["extract", "transform", "load", "features", "train", "evaluate",
                                            "predict"]) == 0
        console.width = width
        state["dev_table"] = table.get()
        state["dev_bytes"] = {f"{n}.{e}": artefact(data_dir, n, "dev", e).read_bytes() for n, e in DEV_FILES}
        assert run_ml(platform, "prod", ["extract", "transform", "load", "features", "train", "evaluate",
                                         "predict"]) == 0
        yield state


def test_a_subset_of_steps_materialises_only_those_assets(trained):
    assert trained["after_subset"] == {"training_set": True, "features": False, "trade_model": False,
                                       "model_evaluation": False, "trade_predictions": False}
    assert trained["files_after_subset"] == []
    instance = trained["platform"].instance
    assert all(materialised(instance, a, "dev") and materialised(instance, a, "prod") for a in ASSETS)


def test_the_step_table_names_every_row(trained):
    rows = [line.split("│")[1:-1] for line in trained["dev_table"].splitlines() if line.count("│") == 5]
    steps = [cells[0].strip() for cells in rows]
    assert steps == ["extract", "transform", "load", "features", "train", "evaluate", "predict", "total"]
    assert "lines (" in rows[2][3] and "features" in rows[3][3] and "lines predicted" in rows[6][3]


def test_artefacts_exist_per_mode_with_the_documented_names_and_modes_never_overwrite_each_other(trained):
    data_dir = trained["data_dir"]
    for name, ext in DEV_FILES:
        for mode in ("dev", "prod"):
            assert artefact(data_dir, name, mode, ext).is_file(), (name, mode, ext)
        assert artefact(data_dir, name, "dev", ext).read_bytes() == trained["dev_bytes"][f"{name}.{ext}"], name
    dev = json.loads(artefact(data_dir, "trade_model", "dev", "json").read_text())
    prod = json.loads(artefact(data_dir, "trade_model", "prod", "json").read_text())
    assert dev["model_version"] != prod["model_version"] and (dev["family"], prod["family"]) == ("linear", "naive_bayes")
    for meta in (dev, prod):
        assert {"model_version", "params", "data_hash", "cross_validation", "sklearn"} <= set(meta)
    assert len(dev["cross_validation"]["folds"]) == 3 and len(prod["cross_validation"]["folds"]) == 2


def test_the_dev_training_set_is_the_configured_sample_and_prod_takes_every_labelled_line(trained):
    with trained["engine"].connect() as conn:
        counts = dict(conn.execute(select(training_lines.c.mode, func.count()).group_by(training_lines.c.mode)).all())
    assert counts["dev"] == 900 and counts["prod"] > 900


def test_the_evaluation_reads_only_held_out_projects(trained):
    with trained["engine"].connect() as conn:
        rows = conn.execute(select(training_lines.c.project_key, training_lines.c.split)
                            .where(training_lines.c.mode == "dev")).all()
    held = {p for p, s in rows if s == "heldout"}
    train = {p for p, s in rows if s == "train"}
    assert held and not held & train
    evaluation = json.loads(artefact(trained["data_dir"], "evaluation", "dev", "json").read_text())
    assert evaluation["heldout_rows"] == sum(1 for _, s in rows if s == "heldout")
    assert evaluation["heldout_projects"] == len(held)
    assert sum(r["support"] for r in evaluation["per_trade"]) == evaluation["heldout_rows"]
    assert evaluation["macro_f1"] > evaluation["majority_macro_f1"] + 0.2
    assert set(evaluation["families_macro_f1"]) == {"linear", "random_forest", "naive_bayes"}


def test_every_line_item_gets_a_trade_with_the_confidence_its_probability_says(trained):
    engine = trained["engine"]
    with engine.connect() as conn:
        lines = conn.execute(select(func.count()).select_from(line_items)).scalar_one()
        runs = dict(conn.execute(select(model_runs.c.mode, model_runs.c.model_version)).all())
        for mode, version in runs.items():
            rows = conn.execute(select(trade_predictions.c.trade, trade_predictions.c.probability,
                                       trade_predictions.c.confidence)
                                .where(trade_predictions.c.model_version == version)).all()
            assert len(rows) == lines, mode
            assert {t for t, _, _ in rows} <= set(TRADES)
            for _, p, c in rows:
                assert c == ("faible" if p < 0.5 else "moyen" if p < 0.8 else "élevé")
        assert current_model_version(conn) == runs["prod"]


def test_new_imports_get_predictions_by_automation_without_retraining(trained):
    platform, engine = trained["platform"], trained["engine"]
    defs, instance = platform.defs, platform.instance
    start = evaluate_automation_conditions(defs=defs, instance=instance)
    new = priced_documents(1, 2, seed=99, size=0.5)
    for doc in new:
        doc.parsed.file = "new " + doc.parsed.file
    write_priced(engine, [type(d)(d.project_key + "-new", d.path.replace("Projets/", "Projets/new-"), d.parsed)
                          for d in new])
    # the import's run materialises a batch of imported_batches
    instance.add_dynamic_partitions("import_batch", ["b-new"])
    instance.report_runless_asset_event(AssetMaterialization("imported_batches", partition="b-new"))
    evaluation = evaluate_automation_conditions(defs=defs, instance=instance, cursor=start.cursor)
    assert evaluation.get_requested_partitions(AssetKey("trade_predictions")) == {"dev", "prod"}
    assert evaluation.get_num_requested(AssetKey("trade_model")) == 0
    before = instance.get_latest_materialization_event(AssetKey("trade_model"))
    result = defs.resolve_job_def("ml_job").execute_in_process(
        instance=instance, partition_key="prod", asset_selection=[AssetKey("trade_predictions")])
    meta = result.asset_materializations_for_node("trade_predictions")[0].metadata
    assert meta["dagster/row_count"].value == sum(len(d.parsed.items) for d in new)
    assert instance.get_latest_materialization_event(AssetKey("trade_model")).run_id == before.run_id
    with engine.connect() as conn:
        version = current_model_version(conn)
        predicted = conn.execute(select(func.count()).select_from(trade_predictions)
                                 .where(trade_predictions.c.model_version == version)).scalar_one()
        assert predicted == conn.execute(select(func.count()).select_from(line_items)).scalar_one()


def test_a_mode_without_data_fails_with_what_to_do(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    settings, defs = ml_platform(tmp_path, url)
    with instance_for_test() as instance:
        assert run_ml(SimpleNamespace(defs=defs, instance=instance, settings=settings), "dev", ["extract"]) == 1
    err = capsys.readouterr().err
    assert "training_set" in err and "no line items" in err and "dpgf demo" in err


def _predict(args, data_dir):
    env = {**os.environ, "DPGF_DATA_DIR": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "dpgf_assets.cli", "predict", *args], env=env, cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120)


def test_dpgf_predict_gives_each_article_its_trade_and_says_how_to_train_without_a_model(trained, tmp_path):
    real = real_workbook()  # the same file the parsing tests read, or their skip
    out = _predict([str(real), "--json"], trained["data_dir"])
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["model_version"].startswith("prod-") and len(result["items"]) > 30
    assert set(result["items"][0]) == {"sheet", "row", "code", "designation", "trade", "probability", "confidence"}
    assert {i["trade"] for i in result["items"]} <= set(TRADES)
    none = _predict([str(real)], tmp_path / "nothing")
    assert none.returncode == 2 and "dpgf ml --mode dev" in none.stderr
    broken = tmp_path / "broken" / "ml"
    broken.mkdir(parents=True)
    (broken / "trade_model_dev.joblib").write_bytes(b"not a model")
    bad = _predict([str(real)], tmp_path / "broken")
    assert bad.returncode == 2 and "unreadable model" in bad.stderr and "dpgf ml --mode dev" in bad.stderr


def test_loading_the_definitions_imports_no_ml_library():
    """Every run process, the code server, the daemon and each command load the definitions: the ML
    libraries (1.4 s and 160 MB to import) wait until an ML asset runs."""
    code = ("import sys, dpgf_assets.definitions; "
            "print(' '.join(m for m in ('sklearn', 'pandas', 'matplotlib', 'scipy') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == ""
