"""The trade model's rows in the warehouse: training lines by mode, model runs, predictions.

The current model is the newest ``prod`` run that has predictions, else the newest ``dev`` one; the
content stream (price reference, briefs) and the API read trades through ``current_trades`` only.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

from sqlalchemy import Connection, Engine, and_, delete, insert, inspect, select
from sqlalchemy.sql import Subquery

from dpgf_assets.warehouse.bulk import insert_rows
from dpgf_assets.warehouse.schema import line_items, model_runs, trade_predictions, training_lines

TRAINING_COLUMNS = ("mode", "document_id", "position", "project_key", "lot_name", "designation", "unit",
                    "section_path", "quantity", "unit_price", "trade", "split")
PREDICTION_COLUMNS = ("model_version", "document_id", "position", "mode", "trade", "probability", "confidence",
                      "predicted_at")
CONFIDENCE_LEVELS = (("faible", 0.0), ("moyen", 0.5), ("élevé", 0.8))  # level from this probability up


def confidence_of(probability: float) -> str:
    """``faible`` < 0.5 ≤ ``moyen`` < 0.8 ≤ ``élevé``."""
    return "élevé" if probability >= 0.8 else "moyen" if probability >= 0.5 else "faible"


def replace_training_lines(engine: Engine, mode: str, rows: Sequence[Sequence[Any]]) -> int:
    """The mode's training lines become ``rows`` (in TRAINING_COLUMNS order), in one transaction."""
    with engine.begin() as conn:
        conn.execute(delete(training_lines).where(training_lines.c.mode == mode))
        return insert_rows(conn, training_lines, TRAINING_COLUMNS, rows)


def read_training_lines(conn: Connection, mode: str, split: str | None = None) -> list[dict]:
    t = training_lines.c
    query = select(training_lines).where(t.mode == mode)
    if split:
        query = query.where(t.split == split)
    return [dict(r._mapping) for r in conn.execute(query.order_by(t.document_id, t.position))]


def record_model_run(engine: Engine, run: dict) -> None:
    """One row of ``model_runs`` (model_version, mode, family, trained_at, params, data_hash, metrics,
    artefact_dir)."""
    with engine.begin() as conn:
        conn.execute(delete(model_runs).where(model_runs.c.model_version == run["model_version"]))
        conn.execute(insert(model_runs).values(**run))


def update_run_metrics(engine: Engine, model_version: str, metrics: dict) -> None:
    with engine.begin() as conn:
        conn.execute(model_runs.update().where(model_runs.c.model_version == model_version).values(metrics=metrics))


def newest_run(conn: Connection, mode: str) -> dict | None:
    row = conn.execute(select(model_runs).where(model_runs.c.mode == mode)
                       .order_by(model_runs.c.trained_at.desc()).limit(1)).first()
    return dict(row._mapping) if row else None


def unpredicted_lines(conn: Connection, model_version: str) -> select:
    """Line items the model has not predicted yet (new imports, or every line for a new model)."""
    p = trade_predictions.c
    done = select(p.document_id).where(and_(p.model_version == model_version, p.document_id == line_items.c.document_id,
                                            p.position == line_items.c.position))
    return select(line_items.c.document_id, line_items.c.position).where(~done.exists())


def add_predictions(engine: Engine, model_version: str, mode: str,
                    predicted: Iterable[tuple[int, int, str, float]]) -> int:
    """Store (document_id, position, trade, probability) rows of one model version, with confidence."""
    now = datetime.now(timezone.utc)
    rounded = ((d, p, t, round(float(pr), 4)) for d, p, t, pr in predicted)  # the level of the stored figure
    rows = [(model_version, d, p, mode, t, pr, confidence_of(pr), now) for d, p, t, pr in rounded]
    with engine.begin() as conn:
        return insert_rows(conn, trade_predictions, PREDICTION_COLUMNS, rows)


def drop_other_versions(engine: Engine, mode: str, keep: str) -> int:
    """Forget the mode's predictions by older models (the newest model's stand)."""
    with engine.begin() as conn:
        return conn.execute(delete(trade_predictions).where(trade_predictions.c.mode == mode,
                                                            trade_predictions.c.model_version != keep)).rowcount


def current_model_version(conn: Connection) -> str | None:
    """The model whose predictions count: the newest prod run, else the newest dev one (None: no model)."""
    names = set(inspect(conn).get_table_names())
    if not {"trade_predictions", "model_runs"} <= names:
        return None
    for mode in ("prod", "dev"):
        version = conn.execute(select(model_runs.c.model_version).where(model_runs.c.mode == mode)
                               .order_by(model_runs.c.trained_at.desc()).limit(1)).scalar()
        if version is not None and conn.execute(
                select(trade_predictions.c.document_id).where(trade_predictions.c.model_version == version)
                .limit(1)).first():
            return version
    return None


def current_trades(model_version: str) -> Subquery:
    """(document_id, position, trade, confidence) of every line item the model predicted."""
    p = trade_predictions.c
    return (select(p.document_id, p.position, p.trade, p.confidence)
            .where(p.model_version == model_version).subquery("current_trades"))
