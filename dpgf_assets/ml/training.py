"""The training set: warehouse lines labelled by their lot's trade, split by project, sampled for dev.

Held-out projects are chosen once, here, by a seeded hash of the project key: a project's lines are
either all for training (``train``) or all for the final evaluation (``heldout``), never both.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import pandas as pd

from dpgf_assets.ml import TrainingDataError
from dpgf_assets.ml.taxonomy import trade_of_lot


@dataclass(frozen=True)
class TrainingSet:
    lines: pd.DataFrame  # lines.COLUMNS + trade + split
    extracted: int  # line items read from the warehouse
    labelled: int  # of which a lot names exactly one trade
    data_hash: str


def label(frame: pd.DataFrame) -> pd.DataFrame:
    """The lines whose lot names exactly one trade, with that trade in ``trade``."""
    trades = {name: trade_of_lot(name) for name in frame["lot_name"].dropna().unique()}
    labelled = frame.assign(trade=frame["lot_name"].map(trades))
    return labelled[labelled["trade"].notna()].reset_index(drop=True)


def stratified_sample(frame: pd.DataFrame, size: int, seed: int) -> pd.DataFrame:
    """``size`` lines (all when 0 or more than there are) keeping each trade's share (largest remainder)."""
    if size <= 0 or size >= len(frame):
        return frame
    counts = frame["trade"].value_counts()
    exact = counts * size / len(frame)
    quota = exact.apply(math.floor)
    for trade in (exact - quota).sort_values(ascending=False).index[: size - int(quota.sum())]:
        quota[trade] += 1
    parts = [group.sample(n=int(quota[trade]), random_state=seed) for trade, group in frame.groupby("trade")
             if quota[trade] > 0]
    return pd.concat(parts).sort_values(["document_id", "position"]).reset_index(drop=True)


def heldout_projects(projects: list[str], share: float, seed: int) -> set[str]:
    """About ``share`` of the projects, at least one, never all, chosen by a seeded hash."""
    if len(projects) < 2:
        return set()
    ranked = sorted(projects, key=lambda k: hashlib.sha256(f"{seed}:{k}".encode()).hexdigest())
    count = min(len(projects) - 1, max(1, round(len(projects) * share)))
    return set(ranked[:count])


def data_hash(frame: pd.DataFrame) -> str:
    digest = hashlib.sha256()
    for row in frame[["project_key", "designation", "unit", "section_path", "trade", "split"]].itertuples(index=False):
        digest.update("\x1f".join("" if v is None else str(v) for v in row).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


def build_training_set(lines: pd.DataFrame, *, mode: str, sample_size: int, heldout_share: float,
                       seed: int) -> TrainingSet:
    """Label, sample (dev) and split by project; refuse a set that cannot train a model, saying why."""
    if lines.empty:
        raise TrainingDataError(f"mode {mode}: the warehouse holds no line items; import files first "
                                f"(dpgf demo, or dpgf import then dpgf ml --mode {mode})")
    labelled = label(lines)
    if labelled.empty:
        raise TrainingDataError(f"mode {mode}: none of the {len(lines)} line items has a lot naming a single trade "
                                "(see dpgf_assets/ml/taxonomy.py); import lots named after their trade")
    trades = labelled["trade"].nunique()
    if trades < 2:
        raise TrainingDataError(f"mode {mode}: every labelled line is of one trade "
                                f"({labelled['trade'].iloc[0]}); a model needs at least two trades")
    sample = stratified_sample(labelled, sample_size, seed)
    held = heldout_projects(sorted(sample["project_key"].unique()), heldout_share, seed)
    if not held:
        raise TrainingDataError(f"mode {mode}: labelled lines come from one project only; at least two projects "
                                "are needed to evaluate on a project never seen in training")
    sample = sample.assign(split=["heldout" if k in held else "train" for k in sample["project_key"]])
    if sample.loc[sample["split"] == "train", "trade"].nunique() < 2:
        raise TrainingDataError(f"mode {mode}: the training projects hold one trade only; import more projects")
    return TrainingSet(sample, extracted=len(lines), labelled=len(labelled), data_hash=data_hash(sample))
