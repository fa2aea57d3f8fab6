"""Group ``ml``: the trade model, partitioned by mode (``dev``: sample, few folds; ``prod``: everything).

training_set → features → trade_model → model_evaluation → trade_predictions; each asset calls one
step of ``dpgf_assets.ml.steps``. Only trade_predictions runs by itself (declarative automation):
newly imported lines get the trained models' trades without retraining.
"""

import time
from contextlib import contextmanager
from typing import Iterator

from dagster import (
    AllPartitionMapping,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetDep,
    AssetExecutionContext,
    AssetKey,
    AssetSelection,
    AutomationCondition,
    AutomationConditionSensorDefinition,
    DefaultSensorStatus,
    Failure,
    MaterializeResult,
    MetadataValue,
    StaticPartitionsDefinition,
    asset,
)

from dpgf_assets.ml import MODES, ModelUnavailableError, TrainingDataError
from dpgf_assets.ml.taxonomy import TRADE_LABELS
from dpgf_assets.resources import SettingsResource, WarehouseResource

mode_partitions = StaticPartitionsDefinition(list(MODES))
BASELINE_CHECK = "beats_majority_baseline"
IMPORTS = AssetDep(AssetKey("imported_batches"), partition_mapping=AllPartitionMapping())
# "clearly above the baseline": at least twice its macro-F1 and 0.2 more
BASELINE_FACTOR, BASELINE_MARGIN = 2.0, 0.2
# The model step may use both cores; the production instance limits this pool to one run at a time.
TRAINING_POOL = "ml_training"


def _md_table(rows: list[dict], columns: list[str]) -> MetadataValue:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in columns) + " |" for r in rows]
    return MetadataValue.md("\n".join(lines))


@contextmanager
def _ml_step(context: AssetExecutionContext, settings: SettingsResource) -> Iterator[tuple]:
    """The module ``dpgf_assets.ml.steps`` and the partition's config, for one asset's work.

    The steps are imported here, when an ML asset runs: scikit-learn, pandas and matplotlib take 1.4 s
    to import, which every process loading the definitions would pay otherwise (each import run, the
    code server, the daemon, every command). A permanent problem (no data, no model) fails the asset
    at once with its message, without retry."""
    from dpgf_assets.ml import steps

    try:
        yield steps, steps.config_of(settings.get(), context.partition_key)
    except (TrainingDataError, ModelUnavailableError) as exc:
        raise Failure(description=str(exc), allow_retries=False) from exc


def build_ml_assets(automation_running: bool):  # noqa: ANN201 - assets and their sensor
    """The five assets of group ml and the automation sensor that keeps predictions up to date."""

    @asset(group_name="ml", partitions_def=mode_partitions, deps=[IMPORTS], kinds={"python", "sql"},
           description="Extract → transform → load: article lines with designation, unit, section path, lot and "
           "project, labelled with the trade their lot names (taxonomy), dev sampled (stratified), projects "
           "split into training and held out; table training_lines.")
    def training_set(context: AssetExecutionContext, settings: SettingsResource,
                     warehouse: WarehouseResource) -> MaterializeResult:
        engine = warehouse.engine()
        seconds = {}
        with _ml_step(context, settings) as (steps, cfg):
            start = time.perf_counter()
            lines = steps.extract(engine)
            seconds["extract"], start = time.perf_counter() - start, time.perf_counter()
            training = steps.transform(lines, cfg)
            seconds["transform"], start = time.perf_counter() - start, time.perf_counter()
            loaded = steps.load(engine, cfg, training)
            seconds["load"] = time.perf_counter() - start
        frame = training.lines
        counts = frame.groupby(["trade", "split"]).size().unstack(fill_value=0)
        per_trade = [{"trade": t, "label": TRADE_LABELS.get(t, t), "train": int(counts.loc[t].get("train", 0)),
                      "heldout": int(counts.loc[t].get("heldout", 0))} for t in counts.index]
        context.log.info(f"{cfg.mode}: {loaded} training lines from {training.extracted} line items")
        return MaterializeResult(metadata={
            "dagster/row_count": loaded, "extracted": training.extracted, "labelled": training.labelled,
            "unlabelled": training.extracted - training.labelled, "sample_size": cfg.sample_size,
            "train_rows": int((frame["split"] == "train").sum()), "heldout_rows": int((frame["split"] == "heldout").sum()),
            "train_projects": int(frame.loc[frame["split"] == "train", "project_key"].nunique()),
            "heldout_projects": int(frame.loc[frame["split"] == "heldout", "project_key"].nunique()),
            "trades": _md_table(per_trade, ["trade", "label", "train", "heldout"]), "data_hash": training.data_hash,
            **{f"seconds_{k}": round(v, 3) for k, v in seconds.items()}})

    @asset(group_name="ml", partitions_def=mode_partitions, deps=[training_set], kinds={"python", "scikit-learn"},
           description="Word and character n-grams of designation and section path, normalised unit, quantity "
           "and unit price; the transformer is fitted on the training projects and saved as features_<mode>.joblib.")
    def features(context: AssetExecutionContext, settings: SettingsResource,
                 warehouse: WarehouseResource) -> MaterializeResult:
        with _ml_step(context, settings) as (steps, cfg):
            report = steps.fit_features(warehouse.engine(), cfg)
        return MaterializeResult(metadata={
            "dagster/row_count": report.rows, "features": report.features, "seconds": round(report.seconds, 3),
            "blocks": _md_table([{"block": k, "features": v} for k, v in report.blocks.items()], ["block", "features"]),
            "path": MetadataValue.path(str(report.path))})

    @asset(group_name="ml", partitions_def=mode_partitions, deps=[features], pool=TRAINING_POOL,
           kinds={"python", "scikit-learn"},
           description="The mode's model family, cross-validated with folds grouped by project, refitted on every "
           "training project; saved as trade_model_<mode>.joblib with its .json metadata and a row of model_runs.")
    def trade_model(context: AssetExecutionContext, settings: SettingsResource,
                    warehouse: WarehouseResource) -> MaterializeResult:
        with _ml_step(context, settings) as (steps, cfg):
            report = steps.train(warehouse.engine(), cfg)
        f1 = [f["macro_f1"] for f in report.folds]
        context.log.info(f"{report.model_version}: cross-validated macro-F1 {f1}")
        return MaterializeResult(metadata={
            "dagster/row_count": report.rows, "model_version": report.model_version, "family": report.family,
            "params": MetadataValue.json(report.params), "training_projects": report.projects,
            "cv_mean_macro_f1": round(sum(f1) / len(f1), 4) if f1 else None,
            "folds": _md_table(report.folds, ["fold", "train_rows", "test_rows", "train_projects", "test_projects",
                                              "accuracy", "macro_f1", "seconds"]),
            "data_hash": report.data_hash, "seconds": round(report.seconds, 3),
            "seconds_cross_validation": round(report.seconds_cv, 3),
            "model_path": MetadataValue.path(str(report.model_path)),
            "metadata_path": MetadataValue.path(str(report.metadata_path))})

    @asset(group_name="ml", partitions_def=mode_partitions, deps=[trade_model], kinds={"python", "matplotlib"},
           check_specs=[AssetCheckSpec(BASELINE_CHECK, asset="model_evaluation",
                                       description="Held-out macro-F1 is clearly above the majority-class baseline "
                                       f"(≥ {BASELINE_FACTOR:g}× and +{BASELINE_MARGIN:g}).")],
           description="The saved model judged on held-out projects only: accuracy, macro-F1, per-trade precision "
           "and recall, confusion matrix, one-vs-rest ROC/AUC, top features, reliability, beside the majority "
           "baseline and the other families (PNG + CSV/JSON).")
    def model_evaluation(context: AssetExecutionContext, settings: SettingsResource,
                         warehouse: WarehouseResource) -> MaterializeResult:
        with _ml_step(context, settings) as (steps, cfg):
            result, files = steps.evaluate(warehouse.engine(), cfg)
        summary = result.summary()
        needed = max(result.majority_macro_f1 * BASELINE_FACTOR, result.majority_macro_f1 + BASELINE_MARGIN)
        families = [{"family": k, "heldout_macro_f1": round(v, 4)} for k, v in
                    {**result.families, "majority": result.majority_macro_f1}.items()]
        per_trade = [{**r, "auc": round(result.auc.get(r["trade"], float("nan")), 4)} for r in result.per_trade]
        return MaterializeResult(
            metadata={
                "dagster/row_count": result.rows, "model_version": files["model_version"],
                "heldout_projects": result.projects, "accuracy": summary["accuracy"], "macro_f1": summary["macro_f1"],
                "majority_macro_f1": summary["majority_macro_f1"], "mean_auc": summary["mean_auc"],
                "families": _md_table(families, ["family", "heldout_macro_f1"]),
                "per_trade": _md_table(per_trade, ["trade", "label", "precision", "recall", "f1", "auc", "support"]),
                **{name: MetadataValue.path(path) for name, path in files.items() if name != "model_version"}},
            check_results=[AssetCheckResult(
                check_name=BASELINE_CHECK, passed=result.macro_f1 >= needed, severity=AssetCheckSeverity.ERROR,
                metadata={"macro_f1": summary["macro_f1"], "majority_macro_f1": summary["majority_macro_f1"],
                          "needed": round(needed, 4)})])

    @asset(group_name="ml", partitions_def=mode_partitions, deps=[trade_model, IMPORTS], kinds={"python", "sql"},
           # after a training, and after imports: only lines without a prediction of the current model are
           # predicted; a mode with no trained model waits (its trade_model partition is missing)
           automation_condition=(AutomationCondition.eager().without(~AutomationCondition.any_deps_missing())
                                 & ~AutomationCondition.any_deps_missing().ignore(AssetSelection.assets("imported_batches"))),
           description="Every line item's trade, probability and confidence (faible < 0.5 ≤ moyen < 0.8 ≤ élevé) "
           "by the mode's current model, in trade_predictions keyed by model version; new imports only "
           "get predicted, nothing is retrained.")
    def trade_predictions(context: AssetExecutionContext, settings: SettingsResource,
                          warehouse: WarehouseResource) -> MaterializeResult:
        with _ml_step(context, settings) as (steps, cfg):
            report = steps.predict(warehouse.engine(), cfg)
        rate = report.predicted / report.seconds if report.seconds else 0.0
        return MaterializeResult(metadata={
            "dagster/row_count": report.predicted, "model_version": report.model_version,
            "confidence": MetadataValue.json(report.confidence), "seconds": round(report.seconds, 3),
            "items_per_s": round(rate, 1), "older_predictions_removed": report.removed_old})

    automation = AutomationConditionSensorDefinition(
        "ml_automation", target=[trade_predictions],
        default_status=DefaultSensorStatus.RUNNING if automation_running else DefaultSensorStatus.STOPPED,
        description="Declarative automation: trade predictions of new imports by the trained models.")
    return (training_set, features, trade_model, model_evaluation, trade_predictions), automation
