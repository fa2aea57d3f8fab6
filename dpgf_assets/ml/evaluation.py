"""Judging a model on projects it never saw: metrics, baseline, figures (PNG) and their data (CSV, JSON).

Figures are drawn with matplotlib's Agg backend (no display needed).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - after choosing the backend
import numpy as np  # noqa: E402
from sklearn.calibration import calibration_curve  # noqa: E402
from sklearn.metrics import (accuracy_score, auc, confusion_matrix, f1_score,  # noqa: E402
                             precision_recall_fscore_support, roc_curve)

from dpgf_assets.ml.artefacts import artefact, save_json  # noqa: E402
from dpgf_assets.ml.taxonomy import TRADE_LABELS  # noqa: E402


@dataclass
class Evaluation:
    rows: int
    projects: int
    accuracy: float
    macro_f1: float
    majority_macro_f1: float
    majority_accuracy: float
    per_trade: list[dict]
    auc: dict[str, float]
    families: dict[str, float] = field(default_factory=dict)  # family → held-out macro-F1
    files: dict[str, str] = field(default_factory=dict)

    def summary(self) -> dict:
        return {"heldout_rows": self.rows, "heldout_projects": self.projects, "accuracy": round(self.accuracy, 4),
                "macro_f1": round(self.macro_f1, 4), "majority_macro_f1": round(self.majority_macro_f1, 4),
                "majority_accuracy": round(self.majority_accuracy, 4),
                "mean_auc": round(float(np.mean(list(self.auc.values()))), 4) if self.auc else None,
                "families_macro_f1": {k: round(v, 4) for k, v in self.families.items()}}


def majority_scores(train_labels: np.ndarray, test_labels: np.ndarray) -> tuple[float, float]:
    """Accuracy and macro-F1 of always answering the training set's most frequent trade."""
    values, counts = np.unique(train_labels, return_counts=True)
    predicted = np.full(len(test_labels), values[np.argmax(counts)])
    return (accuracy_score(test_labels, predicted),
            f1_score(test_labels, predicted, average="macro", zero_division=0))


def evaluate(truth: np.ndarray, predicted: np.ndarray, probabilities: np.ndarray, classes: np.ndarray,
             train_labels: np.ndarray, projects: int) -> Evaluation:
    """Metrics of one model on held-out lines (``probabilities`` columns in ``classes`` order)."""
    labels = sorted(set(truth) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    per_trade = [{"trade": t, "label": TRADE_LABELS.get(t, t), "precision": round(float(p), 4),
                  "recall": round(float(r), 4), "f1": round(float(f), 4), "support": int(s)}
                 for t, p, r, f, s in zip(labels, precision, recall, f1, support)]
    aucs = {}
    for k, trade in enumerate(classes):
        positives = truth == trade
        if positives.any() and (~positives).any():
            fpr, tpr, _ = roc_curve(positives, probabilities[:, k])
            aucs[str(trade)] = float(auc(fpr, tpr))
    majority_accuracy, majority_f1 = majority_scores(train_labels, truth)
    return Evaluation(rows=len(truth), projects=projects, accuracy=accuracy_score(truth, predicted),
                      macro_f1=f1_score(truth, predicted, average="macro", zero_division=0),
                      majority_macro_f1=majority_f1, majority_accuracy=majority_accuracy, per_trade=per_trade,
                      auc=aucs)


def _write_csv(path: Path, header: list[str], rows: list[list]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def write_report(data_dir: Path, mode: str, result: Evaluation, truth: np.ndarray, predicted: np.ndarray,
                 probabilities: np.ndarray, classes: np.ndarray, top: list[dict], extra: dict) -> dict[str, str]:
    """Every figure (PNG) with its data (CSV) and the whole evaluation (JSON); returns name → path."""
    files: dict[str, str] = {}
    labels = [str(c) for c in classes]
    present = [c for c in labels if c in set(truth) | set(predicted)]

    files["per_trade_csv"] = _write_csv(artefact(data_dir, "per_trade", mode, "csv"),
                                        ["trade", "label", "precision", "recall", "f1", "support"],
                                        [[r[k] for k in ("trade", "label", "precision", "recall", "f1", "support")]
                                         for r in result.per_trade])

    matrix = confusion_matrix(truth, predicted, labels=present)
    files["confusion_matrix_csv"] = _write_csv(artefact(data_dir, "confusion_matrix", mode, "csv"),
                                               ["truth \\ predicted", *present],
                                               [[t, *map(int, row)] for t, row in zip(present, matrix)])
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(11, 9))
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(present)), [TRADE_LABELS.get(t, t) for t in present], rotation=75, fontsize=8)
    ax.set_yticks(range(len(present)), [TRADE_LABELS.get(t, t) for t in present], fontsize=8)
    for i in range(len(present)):
        for j in range(len(present)):
            if matrix[i, j]:
                ax.text(j, i, int(matrix[i, j]), ha="center", va="center", fontsize=6,
                        color="white" if shares[i, j] > 0.5 else "black")
    ax.set_xlabel("corps d'état prédit")
    ax.set_ylabel("corps d'état réel (nom du lot)")
    ax.set_title(f"Matrice de confusion ({mode}, projets tenus à l'écart)")
    fig.colorbar(image, ax=ax, fraction=0.04)
    files["confusion_matrix_png"] = _save(fig, artefact(data_dir, "confusion_matrix", mode, "png"))

    roc_rows = []
    fig, ax = plt.subplots(figsize=(8, 7))
    for k, trade in enumerate(labels):
        positives = truth == trade
        if not (positives.any() and (~positives).any()):
            continue
        fpr, tpr, _ = roc_curve(positives, probabilities[:, k])
        ax.plot(fpr, tpr, linewidth=1, label=f"{TRADE_LABELS.get(trade, trade)} ({result.auc[trade]:.3f})")
        roc_rows.append([trade, round(result.auc[trade], 4), int(positives.sum())])
    ax.plot([0, 1], [0, 1], "k--", linewidth=0.8)
    ax.set_xlabel("taux de faux positifs")
    ax.set_ylabel("taux de vrais positifs")
    ax.set_title(f"ROC un-contre-tous ({mode}), AUC par corps d'état")
    ax.legend(fontsize=6, loc="lower right")
    files["roc_png"] = _save(fig, artefact(data_dir, "roc", mode, "png"))
    files["roc_csv"] = _write_csv(artefact(data_dir, "roc", mode, "csv"), ["trade", "auc", "positives"], roc_rows)

    files["top_features_csv"] = _write_csv(artefact(data_dir, "top_features", mode, "csv"),
                                           ["trade", "feature", "weight"],
                                           [[r["trade"], r["feature"], r["weight"]] for r in top])
    best = sorted(top, key=lambda r: -abs(r["weight"]))[:30][::-1]
    fig, ax = plt.subplots(figsize=(9, 8))
    ax.barh(range(len(best)), [r["weight"] for r in best])
    ax.set_yticks(range(len(best)), [f"{r['feature'][:40]} → {r['trade']}" for r in best], fontsize=7)
    ax.set_title(f"Variables les plus influentes ({mode})")
    files["top_features_png"] = _save(fig, artefact(data_dir, "top_features", mode, "png"))

    confident = probabilities.max(axis=1)
    correct = (predicted == truth).astype(int)
    fig, ax = plt.subplots(figsize=(6, 6))
    if len(set(correct)) > 1:
        observed, expected = calibration_curve(correct, confident, n_bins=10, strategy="quantile")
        ax.plot(expected, observed, "o-", label="modèle")
    ax.plot([0, 1], [0, 1], "k--", label="calibration parfaite")
    for threshold in (0.5, 0.8):
        ax.axvline(threshold, color="grey", linewidth=0.6)
    ax.set_xlabel("probabilité annoncée")
    ax.set_ylabel("part de prédictions justes")
    ax.set_title(f"Fiabilité des probabilités ({mode})")
    ax.legend()
    files["reliability_png"] = _save(fig, artefact(data_dir, "reliability", mode, "png"))

    families = {**result.families, "majority": result.majority_macro_f1}
    files["families_csv"] = _write_csv(artefact(data_dir, "families", mode, "csv"), ["family", "heldout_macro_f1"],
                                       [[k, round(v, 4)] for k, v in families.items()])
    result.files = files
    files["evaluation_json"] = str(save_json(artefact(data_dir, "evaluation", mode, "json"), {
        **extra, **result.summary(), "per_trade": result.per_trade, "auc": result.auc,
        "confidence_levels": confidence_shares(confident), "files": files}))
    return files


def confidence_shares(probabilities: np.ndarray) -> dict[str, float]:
    """Share of predictions per confidence level."""
    n = max(len(probabilities), 1)
    return {"faible": round(float((probabilities < 0.5).sum()) / n, 4),
            "moyen": round(float(((probabilities >= 0.5) & (probabilities < 0.8)).sum()) / n, 4),
            "élevé": round(float((probabilities >= 0.8).sum()) / n, 4)}


def _save(fig, path: Path) -> str:  # noqa: ANN001 - a matplotlib figure
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return str(path)
