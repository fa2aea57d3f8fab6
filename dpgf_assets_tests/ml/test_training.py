"""The training set: the dev sample's size and proportions, projects on one side only, bad sets refused."""

import numpy as np
import pandas as pd
import pytest

from dpgf_assets.ml.lines import COLUMNS
from dpgf_assets.ml.models import group_folds
from dpgf_assets.ml.training import TrainingDataError, build_training_set, stratified_sample


def lines(spec: list[tuple[str, str, int]]) -> pd.DataFrame:
    """(project, lot name, count) → that many lines."""
    rows = []
    for project, lot, count in spec:
        for _ in range(count):
            rows.append({"document_id": len(rows), "position": 0, "project_key": project, "lot_name": lot,
                         "designation": f"article {len(rows)}", "unit": "u", "section_path": "", "quantity": 1.0,
                         "unit_price": 10.0})
    return pd.DataFrame(rows, columns=list(COLUMNS))


def test_the_dev_sample_has_the_configured_size_and_the_class_proportions():
    frame = lines([(f"P{p}", lot, n) for p in range(10) for lot, n in
                   (("Gros œuvre", 60), ("Peinture", 25), ("CVC", 10), ("Ascenseurs", 5), ("CVC - Electricité", 30))])
    training = build_training_set(frame, mode="dev", sample_size=400, heldout_share=0.2, seed=1)
    assert len(training.lines) == 400
    assert training.extracted == 1300 and training.labelled == 1000  # the mixed lot stays out
    shares = training.lines["trade"].value_counts(normalize=True)
    expected = {"gros_oeuvre": 0.6, "peinture_revetements_muraux": 0.25, "cvc": 0.1, "ascenseurs": 0.05}
    for trade, share in expected.items():
        assert abs(shares[trade] - share) <= 1 / 400
    everything = build_training_set(frame, mode="prod", sample_size=0, heldout_share=0.2, seed=1)
    assert len(everything.lines) == 1000


def test_stratified_sample_is_exact_with_uneven_remainders():
    frame = pd.DataFrame({"trade": ["a"] * 7 + ["b"] * 5 + ["c"] * 1, "document_id": range(13), "position": 0})
    sample = stratified_sample(frame, 6, seed=3)
    assert len(sample) == 6 and sample["trade"].value_counts().to_dict() == {"a": 3, "b": 2, "c": 1}


def test_held_out_projects_are_never_in_training_and_folds_never_split_a_project():
    frame = lines([(f"P{p}", lot, 8) for p in range(25) for lot in ("Gros œuvre", "Peinture", "Plomberie")])
    training = build_training_set(frame, mode="dev", sample_size=0, heldout_share=0.2, seed=7).lines
    train = set(training.loc[training["split"] == "train", "project_key"])
    held = set(training.loc[training["split"] == "heldout", "project_key"])
    assert held and train and not train & held and len(held) == 5
    groups = training.loc[training["split"] == "train", "project_key"].to_numpy()
    folds = group_folds(groups, 3)
    assert len(folds) == 3
    for fit_rows, test_rows in folds:
        assert not set(groups[fit_rows]) & set(groups[test_rows])
    assert sorted(np.concatenate([t for _, t in folds])) == list(range(len(groups)))


@pytest.mark.parametrize("spec, reason", [
    ([], "no line items"),
    ([("P1", "CVC - Electricité", 20), ("P2", "Lot 3", 10)], "lot naming a single trade"),
    ([("P1", "Peinture", 20), ("P2", "Peintures", 20)], "one trade"),
    ([("P1", "Peinture", 20), ("P1", "Gros œuvre", 20)], "one project"),
])
def test_a_set_that_cannot_train_a_model_is_refused_with_the_reason(spec, reason):
    with pytest.raises(TrainingDataError, match=reason) as error:
        build_training_set(lines(spec), mode="dev", sample_size=100, heldout_share=0.2, seed=1)
    assert "mode dev" in str(error.value)
