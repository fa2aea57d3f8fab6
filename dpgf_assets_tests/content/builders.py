"""Hand-built warehouse content for the content and API tests, written by the real document writer."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Engine

from dpgf_assets.parsing.model import LineItem, ParsedDocument, Total
from dpgf_assets.warehouse.documents import FileVersion, replace_document
from dpgf_assets.warehouse.trades import add_predictions as add_trade_predictions, record_model_run


def item(designation: str, unit: str | None, quantity: float | None, unit_price: float | None,
         kind: str = "article", total: float | None = None) -> LineItem:
    if total is None and quantity is not None and unit_price is not None:
        total = round(quantity * unit_price, 2)
    return LineItem("DPGF", 0, None, designation, unit, unit, quantity, unit_price, total, kind, None)


def document(engine: Engine, project: str, name: str, items: list[LineItem], *, lot: tuple[str, str] = ("02", "Gros œuvre"),
             declared: float | None = None, doc_type: str = "DPGF") -> int:
    """Write one document of ``project`` (a key such as ``Projets/P1``) with its line items."""
    for position, line in enumerate(items):
        line.row = 10 + position
    totals = [Total("DPGF", 99, "TOTAL HT", "total_ht", declared)] if declared is not None else []
    parsed = ParsedDocument(file=name, doc_type=doc_type, confidence=0.9, reasons=[], lot_code=lot[0],
                            lot_name=lot[1], items=items, totals=totals)
    path = f"{project}/{name}"
    version = FileVersion("local", path, "etag-1", path, project, project.rsplit("/", 1)[-1])
    return replace_document(engine, version, parsed)


def reference_prices(engine: Engine, project: str, designation: str, unit: str, prices: list[float]) -> None:
    """A document of ``project`` that prices ``designation`` once per price (feeds the reference)."""
    document(engine, project, f"Référence {designation} {unit}.xlsx",
             [item(designation, unit, 10, p) for p in prices], lot=("99", "Référence"))


def add_predictions(engine: Engine, predictions: dict[tuple[int, int], tuple[str, str]], mode: str = "prod",
                    version: str = "v1") -> None:
    """One model's run and predictions, written as the ML stream writes them:
    (document_id, position) -> (trade, confidence)."""
    probability = {"faible": 0.3, "moyen": 0.6, "élevé": 0.9}
    record_model_run(engine, {"model_version": version, "mode": mode, "family": "linear",
                              "trained_at": datetime.now(timezone.utc), "params": {}, "data_hash": "",
                              "metrics": {}, "artefact_dir": ""})
    add_trade_predictions(engine, version, mode, [(d, p, t, probability[c]) for (d, p), (t, c) in predictions.items()])
