"""Model families over the sparse features, cross-validation grouped by project, and the refit.

Families (the setting ``ml.<mode>.family``):
- ``linear``: logistic regression fitted by stochastic gradient descent (one-vs-rest, L2 penalty
  ``ml.<mode>.linear_alpha``), the strong baseline for short technical texts and the fastest to fit on
  100,000 lines (as accurate as L-BFGS on the same features in our measurements, 4× faster);
- ``random_forest``: the previous tool's choice, with the mode's tree count, over the 3,000 features
  most associated with the trades (chi²), since forests do not scale to the full n-gram vocabulary;
- ``naive_bayes``: complement naive Bayes, the fastest, for comparison.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.feature_selection import SelectKBest, chi2
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import GroupKFold
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import Pipeline

from dpgf_assets.ml import FAMILIES

FOREST_FEATURES = 3000


@dataclass(frozen=True)
class ModelParams:
    family: str
    trees: int
    linear_alpha: float
    seed: int
    jobs: int = 2

    def as_dict(self) -> dict:
        return {"family": self.family, "trees": self.trees, "linear_alpha": self.linear_alpha, "seed": self.seed}


def make_classifier(params: ModelParams, family: str | None = None):  # noqa: ANN201 - a scikit-learn estimator
    """The unfitted classifier of a family (default: the params' family)."""
    family = family or params.family
    if family == "linear":
        return SGDClassifier(loss="log_loss", alpha=params.linear_alpha, max_iter=30, tol=1e-3, n_jobs=params.jobs,
                             random_state=params.seed)
    if family == "random_forest":
        return Pipeline([("select", SelectKBest(chi2, k=FOREST_FEATURES)),
                         ("forest", RandomForestClassifier(n_estimators=params.trees, n_jobs=params.jobs,
                                                           random_state=params.seed, min_samples_leaf=1))])
    if family == "naive_bayes":
        return ComplementNB(alpha=0.3)
    raise ValueError(f"unknown model family {family!r}: one of {', '.join(FAMILIES)}")


def fit(classifier, features, labels: np.ndarray):  # noqa: ANN001, ANN201 - scikit-learn objects
    if isinstance(classifier, Pipeline) and "select" in classifier.named_steps:
        classifier.set_params(select__k=min(FOREST_FEATURES, features.shape[1]))
    return classifier.fit(features, labels)


@dataclass(frozen=True)
class Fold:
    fold: int
    train_rows: int
    test_rows: int
    train_projects: tuple[str, ...]
    test_projects: tuple[str, ...]
    accuracy: float
    macro_f1: float
    seconds: float

    def as_dict(self) -> dict:
        return {"fold": self.fold, "train_rows": self.train_rows, "test_rows": self.test_rows,
                "train_projects": len(self.train_projects), "test_projects": len(self.test_projects),
                "accuracy": round(self.accuracy, 4), "macro_f1": round(self.macro_f1, 4),
                "seconds": round(self.seconds, 2)}


def group_folds(groups: np.ndarray, folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Train/test row indices per fold; a project (group) is never on both sides."""
    folds = min(folds, len(np.unique(groups)))
    if folds < 2:
        return []
    return list(GroupKFold(n_splits=folds).split(np.zeros(len(groups)), groups=groups))


def cross_validate(params: ModelParams, features, labels: np.ndarray, groups: np.ndarray,  # noqa: ANN001
                   folds: int) -> list[Fold]:
    """Per-fold accuracy and macro-F1 of the family, folds grouped by project."""
    results = []
    for number, (train, test) in enumerate(group_folds(groups, folds), start=1):
        started = time.perf_counter()
        model = fit(clone(make_classifier(params)), features[train], labels[train])
        predicted = model.predict(features[test])
        results.append(Fold(number, len(train), len(test), tuple(sorted(set(groups[train]))),
                            tuple(sorted(set(groups[test]))), accuracy_score(labels[test], predicted),
                            f1_score(labels[test], predicted, average="macro", zero_division=0),
                            time.perf_counter() - started))
    return results


def top_features(classifier, names: np.ndarray, per_class: int = 8) -> list[dict]:  # noqa: ANN001
    """The features that weigh most: per trade for a linear model, overall for a forest."""
    if isinstance(classifier, SGDClassifier):
        rows = []
        for k, trade in enumerate(classifier.classes_):
            coef = classifier.coef_[k] if classifier.coef_.shape[0] > 1 else classifier.coef_[0] * (1 if k else -1)
            for index in np.argsort(coef)[::-1][:per_class]:
                rows.append({"trade": str(trade), "feature": str(names[index]), "weight": round(float(coef[index]), 4)})
        return rows
    if isinstance(classifier, Pipeline):
        kept = names[classifier.named_steps["select"].get_support()]
        importances = classifier.named_steps["forest"].feature_importances_
        return [{"trade": "(toutes)", "feature": str(kept[i]), "weight": round(float(importances[i]), 5)}
                for i in np.argsort(importances)[::-1][:per_class * 4]]
    if isinstance(classifier, ComplementNB):
        rows = []
        for k, trade in enumerate(classifier.classes_):
            weights = classifier.feature_log_prob_[k]
            for index in np.argsort(weights)[::-1][:per_class]:
                rows.append({"trade": str(trade), "feature": str(names[index]), "weight": round(float(weights[index]), 4)})
        return rows
    return []
