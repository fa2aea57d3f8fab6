"""The trade model's steps, each a plain function over the warehouse and the artefact folder:
extract → transform → load (training set), features, train, evaluate, predict.

The Dagster assets, ``dpgf ml`` and the benchmark all call these; nothing here knows Dagster.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import f1_score
from sklearn.pipeline import Pipeline
from sqlalchemy import Engine, select

from dpgf_assets.ml import artefacts
from dpgf_assets.ml.evaluation import Evaluation, evaluate as judge, write_report
from dpgf_assets.ml.features import build_transformer, feature_counts, prepare
from dpgf_assets.ml.lines import warehouse_lines
from dpgf_assets.ml.models import FAMILIES, ModelParams, cross_validate, fit, make_classifier, top_features
from dpgf_assets.ml.training import TrainingDataError, TrainingSet, build_training_set, data_hash as hash_lines
from dpgf_assets.warehouse import trades as store
from dpgf_assets.warehouse.schema import model_runs

PREDICT_CHUNK = 20_000


@dataclass(frozen=True)
class MLConfig:
    """One mode's settings (``ml.<mode>.*``) and where its artefacts go."""

    mode: str
    data_dir: Path
    sample_size: int
    folds: int
    family: str
    trees: int
    linear_alpha: float
    seed: int
    heldout_share: float = 0.2
    compare_families: bool = True

    @property
    def params(self) -> ModelParams:
        return ModelParams(self.family, self.trees, self.linear_alpha, self.seed)


# ---- training set: extract, transform, load


def extract(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return warehouse_lines(conn)


def transform(lines: pd.DataFrame, cfg: MLConfig) -> TrainingSet:
    return build_training_set(lines, mode=cfg.mode, sample_size=cfg.sample_size, heldout_share=cfg.heldout_share,
                              seed=cfg.seed)


def load(engine: Engine, cfg: MLConfig, training: TrainingSet) -> int:
    frame = training.lines
    rows = list(zip([cfg.mode] * len(frame), frame["document_id"].astype(int), frame["position"].astype(int),
                    frame["project_key"], frame["lot_name"], frame["designation"], frame["unit"],
                    frame["section_path"], _floats(frame["quantity"]), _floats(frame["unit_price"]),
                    frame["trade"], frame["split"]))
    return store.replace_training_lines(engine, cfg.mode, rows)


def _floats(column: pd.Series) -> list[float | None]:
    return [None if v is None or v != v else float(v) for v in column]


def training_lines(engine: Engine, mode: str, split: str | None = None) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = store.read_training_lines(conn, mode, split)
    if not rows:
        raise TrainingDataError(f"mode {mode}: no training set yet; run dpgf ml --mode {mode} --steps "
                                "extract transform load (or materialise training_set)")
    return pd.DataFrame(rows).rename(columns=str)


# ---- features


@dataclass(frozen=True)
class FeaturesReport:
    rows: int
    features: int
    blocks: dict[str, int]
    seconds: float
    path: Path


def fit_features(engine: Engine, cfg: MLConfig) -> FeaturesReport:
    """Fit the transformer on the training projects only (held-out ones stay unseen) and save it."""
    started = time.perf_counter()
    train = training_lines(engine, cfg.mode, "train")
    transformer = build_transformer(min_df=2 if len(train) >= 1000 else 1)
    matrix = transformer.fit_transform(prepare(train))
    path = artefacts.save_object(artefacts.artefact(cfg.data_dir, "features", cfg.mode, "joblib"), transformer)
    artefacts.save_object(artefacts.artefact(cfg.data_dir, "training_features", cfg.mode, "joblib"),
                          {"keys": _keys(train), "matrix": matrix}, compress=0)
    blocks = feature_counts(transformer)
    return FeaturesReport(len(train), sum(blocks.values()), blocks, time.perf_counter() - started, path)


def _keys(frame: pd.DataFrame) -> np.ndarray:
    return frame[["document_id", "position"]].to_numpy(dtype=np.int64)


def training_matrix(cfg: MLConfig, train: pd.DataFrame):  # noqa: ANN201 - a scipy CSR matrix
    """The training projects' features as the features step computed them (refused when the training
    set changed since: the features must be fitted again)."""
    path = artefacts.artefact(cfg.data_dir, "training_features", cfg.mode, "joblib")
    saved = joblib.load(path) if path.exists() else None
    if saved is None or not np.array_equal(saved["keys"], _keys(train)):
        raise artefacts.ModelUnavailableError(f"the {cfg.mode} features do not match the training set: run dpgf ml "
                                              f"--mode {cfg.mode} --steps features train")
    return saved["matrix"]


def load_features(cfg: MLConfig):  # noqa: ANN201 - the fitted features.LineFeatures
    path = artefacts.artefact(cfg.data_dir, "features", cfg.mode, "joblib")
    if not path.exists():
        raise artefacts.ModelUnavailableError(f"no fitted features for {cfg.mode} at {path}: run dpgf ml --mode "
                                              f"{cfg.mode} --steps features (after the training set)")
    return joblib.load(path)


# ---- train


@dataclass
class TrainReport:
    model_version: str
    family: str
    rows: int
    projects: int
    folds: list[dict]
    seconds: float
    seconds_cv: float
    model_path: Path
    metadata_path: Path
    data_hash: str
    params: dict = field(default_factory=dict)


def train(engine: Engine, cfg: MLConfig) -> TrainReport:
    """Cross-validate the family with folds grouped by project, refit on every training project, save."""
    started = time.perf_counter()
    train_lines = training_lines(engine, cfg.mode, "train")
    transformer = load_features(cfg)
    features = training_matrix(cfg, train_lines)
    labels = train_lines["trade"].to_numpy()
    groups = train_lines["project_key"].to_numpy()
    folds = cross_validate(cfg.params, features, labels, groups, cfg.folds)
    seconds_cv = time.perf_counter() - started
    classifier = fit(make_classifier(cfg.params), features, labels)
    trained_at = datetime.now(timezone.utc)
    data_hash = _hash_of(engine, cfg.mode)
    version = f"{cfg.mode}-{cfg.family}-{trained_at:%Y%m%dT%H%M%S}-{data_hash[:8]}"
    cv = {"folds": [f.as_dict() for f in folds],
          "mean_macro_f1": round(float(np.mean([f.macro_f1 for f in folds])), 4) if folds else None,
          "mean_accuracy": round(float(np.mean([f.accuracy for f in folds])), 4) if folds else None}
    metadata = {"model_version": version, "mode": cfg.mode, "family": cfg.family, "params": cfg.params.as_dict(),
                "trained_at": trained_at.isoformat(), "data_hash": data_hash, "training_rows": len(train_lines),
                "training_projects": int(len(set(groups))), "classes": sorted(set(labels)), "cross_validation": cv}
    pipeline = Pipeline([("features", transformer), ("classifier", classifier)])
    model_path, metadata_path = artefacts.save_model(cfg.data_dir, cfg.mode, pipeline, metadata)
    store.record_model_run(engine, {"model_version": version, "mode": cfg.mode, "family": cfg.family,
                                    "trained_at": trained_at, "params": cfg.params.as_dict(), "data_hash": data_hash,
                                    "metrics": {"cross_validation": cv}, "artefact_dir": str(model_path.parent)})
    return TrainReport(version, cfg.family, len(train_lines), int(len(set(groups))), cv["folds"],
                       time.perf_counter() - started, seconds_cv, model_path, metadata_path, data_hash,
                       cfg.params.as_dict())


def _hash_of(engine: Engine, mode: str) -> str:
    return hash_lines(training_lines(engine, mode))


# ---- evaluate


def evaluate(engine: Engine, cfg: MLConfig) -> tuple[Evaluation, dict]:
    """Judge the saved model on the held-out projects only, beside the baseline and the other families."""
    bundle = artefacts.load_model(cfg.data_dir, cfg.mode)
    pipeline: Pipeline = bundle["pipeline"]
    heldout = training_lines(engine, cfg.mode, "heldout")
    train_lines = training_lines(engine, cfg.mode, "train")
    truth = heldout["trade"].to_numpy()
    probabilities = pipeline.predict_proba(prepare(heldout))
    classes = pipeline.classes_
    predicted = classes[np.argmax(probabilities, axis=1)]
    result = judge(truth, predicted, probabilities, classes, train_lines["trade"].to_numpy(),
                   heldout["project_key"].nunique())
    family = bundle["pipeline"].named_steps["classifier"]
    result.families[cfg.family] = result.macro_f1
    if cfg.compare_families:
        transformer = pipeline.named_steps["features"]
        train_x = transformer.transform(prepare(train_lines)).tocsr()
        test_x = transformer.transform(prepare(heldout)).tocsr()
        for other in FAMILIES:
            if other != cfg.family:
                model = fit(clone(make_classifier(cfg.params, other)), train_x, train_lines["trade"].to_numpy())
                result.families[other] = f1_score(truth, model.predict(test_x), average="macro", zero_division=0)
    names = pipeline.named_steps["features"].get_feature_names_out()
    files = write_report(cfg.data_dir, cfg.mode, result, truth, predicted, probabilities, classes,
                         top_features(family, names), {"model_version": bundle["model_version"], "mode": cfg.mode})
    store.update_run_metrics(engine, bundle["model_version"], {**_run_metrics(engine, bundle["model_version"]),
                                                               "heldout": result.summary()})
    return result, {"model_version": bundle["model_version"], **files}


def _run_metrics(engine: Engine, version: str) -> dict:
    with engine.connect() as conn:
        return conn.execute(select(model_runs.c.metrics).where(model_runs.c.model_version == version)).scalar() or {}


# ---- predict


@dataclass(frozen=True)
class PredictReport:
    model_version: str
    predicted: int
    seconds: float
    confidence: dict[str, int]
    removed_old: int


def predict_frame(bundle: dict, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(trade, probability) of each line of ``frame``."""
    if frame.empty:
        return np.array([], dtype=object), np.array([], dtype=float)
    pipeline = bundle["pipeline"]
    probabilities = pipeline.predict_proba(prepare(frame))
    best = np.argmax(probabilities, axis=1)
    return pipeline.classes_[best], probabilities[np.arange(len(best)), best]


def predict(engine: Engine, cfg: MLConfig) -> PredictReport:
    """Predict every line item the mode's current model has not predicted yet (all of them after a
    retraining, only the new imports otherwise), then forget older models' predictions of the mode."""
    started = time.perf_counter()
    bundle = artefacts.load_model(cfg.data_dir, cfg.mode)
    version = bundle["model_version"]
    with engine.connect() as conn:
        lines = warehouse_lines(conn, store.unpredicted_lines(conn, version))
    counts = {"faible": 0, "moyen": 0, "élevé": 0}
    done = 0
    for start in range(0, len(lines), PREDICT_CHUNK):
        chunk = lines.iloc[start:start + PREDICT_CHUNK]
        trades, probabilities = predict_frame(bundle, chunk)
        done += store.add_predictions(engine, version, cfg.mode, zip(chunk["document_id"].astype(int),
                                                                     chunk["position"].astype(int), trades,
                                                                     probabilities))
        for p in probabilities:
            counts[store.confidence_of(p)] += 1
    removed = store.drop_other_versions(engine, cfg.mode, version)
    return PredictReport(version, done, time.perf_counter() - started, counts, removed)


def config_of(settings, mode: str) -> MLConfig:  # noqa: ANN001 - dpgf_assets.settings.Settings
    """The mode's settings (``ml.<mode>.*``) as the steps take them."""
    return MLConfig(mode=mode, data_dir=settings.data_dir, sample_size=settings[f"ml.{mode}.sample_size"],
                    folds=settings[f"ml.{mode}.folds"], family=settings[f"ml.{mode}.family"],
                    trees=settings[f"ml.{mode}.trees"], linear_alpha=settings[f"ml.{mode}.linear_alpha"],
                    seed=settings[f"ml.{mode}.seed"], heldout_share=settings["ml.heldout_share"],
                    compare_families=settings[f"ml.{mode}.compare_families"])
