"""Features of a line item: word and character n-grams of designation and section path, the
normalised unit, and the quantity and unit price where present (log-scaled).

Text is lower-cased and stripped of accents first, so "CHAUFFAGE" and "chauffage" are one word and a
lost accent changes nothing; character n-grams within words absorb typos and abbreviations.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

TEXT_COLUMNS = ("designation", "section_path")
NUMERIC_COLUMNS = ("quantity", "unit_price")


def _numbers(frame: pd.DataFrame) -> np.ndarray:
    """log(1 + value) of quantity and unit price, 0 where absent, and whether each is present."""
    values = frame[list(NUMERIC_COLUMNS)].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    present = ~np.isnan(values)
    scaled = np.log1p(np.clip(np.nan_to_num(values, nan=0.0), 0, None)) / 10.0
    return np.hstack([scaled, present.astype(float)])


ACCENTS = re.compile("[\u0300-\u036f]")  # the combining marks NFD splits accented letters into


def plain(text: str) -> str:
    """Lower case without accents (œ spelt out): the form every text is vectorised in."""
    text = text.lower()
    if text.isascii():
        return text  # nothing to fold
    return ACCENTS.sub("", unicodedata.normalize("NFD", text.replace("œ", "oe").replace("æ", "ae")))


def plain_column(texts: pd.Series) -> np.ndarray:
    """``plain`` of every text, computed once per distinct text (texts repeat across offers and lots)."""
    distinct, inverse = np.unique(texts.fillna("").astype(str).to_numpy(), return_inverse=True)
    return np.array([plain(t) for t in distinct], dtype=object)[inverse]


class OnceEach(BaseEstimator, TransformerMixin):
    """A text vectoriser applied once per distinct text: designations and section paths repeat across
    a project's offers and lots, so this divides the work by the repetition. (Document frequencies
    therefore count distinct wordings, not lines.)"""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        self.vectorizer = vectorizer

    @staticmethod
    def _distinct(texts) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
        return np.unique(np.asarray(texts, dtype=str), return_inverse=True)

    def fit(self, texts, y=None):  # noqa: ANN001, ANN201 - scikit-learn's signature
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts, y=None):  # noqa: ANN001, ANN201
        distinct, inverse = self._distinct(texts)
        return self.vectorizer.fit_transform(distinct)[inverse]

    def transform(self, texts):  # noqa: ANN001, ANN201
        distinct, inverse = self._distinct(texts)
        return self.vectorizer.transform(distinct)[inverse]

    def get_feature_names_out(self, input_features=None):  # noqa: ANN001, ANN201
        return self.vectorizer.get_feature_names_out()


def _number_names(_transformer: object, _names: object) -> np.ndarray:
    return np.array(["log_quantity", "log_unit_price", "has_quantity", "has_unit_price"])


class LineFeatures(BaseEstimator, TransformerMixin):
    """The blocks of features side by side in one sparse matrix (a ColumnTransformer without its
    per-call validation, a third of the time of a prediction)."""

    def __init__(self, blocks: list[tuple[str, object, object]]) -> None:
        self.blocks = blocks  # (name, transformer, column or list of columns)

    def fit(self, frame: pd.DataFrame, y=None):  # noqa: ANN001, ANN201
        self.fit_transform(frame)
        return self

    def fit_transform(self, frame: pd.DataFrame, y=None) -> sparse.csr_matrix:  # noqa: ANN001
        return sparse.hstack([sparse.csr_matrix(t.fit_transform(frame[c]), dtype=np.float32)
                              for _, t, c in self.blocks], format="csr")

    def transform(self, frame: pd.DataFrame) -> sparse.csr_matrix:
        return sparse.hstack([sparse.csr_matrix(t.transform(frame[c]), dtype=np.float32)
                              for _, t, c in self.blocks], format="csr")

    def get_feature_names_out(self, input_features=None) -> np.ndarray:  # noqa: ANN001
        return np.array([f"{name}__{feature}" for name, t, _ in self.blocks for feature in t.get_feature_names_out()],
                        dtype=object)


def build_transformer(min_df: int = 2) -> LineFeatures:
    """The unfitted feature transformer over the line frame ``prepare`` gives."""
    def words() -> TfidfVectorizer:
        return TfidfVectorizer(lowercase=False, ngram_range=(1, 2), min_df=min_df,
                               sublinear_tf=True, token_pattern=r"(?u)\b\w+\b", dtype=np.float32)

    def chars() -> TfidfVectorizer:
        return TfidfVectorizer(lowercase=False, analyzer="char_wb", ngram_range=(3, 5),
                               min_df=min_df, sublinear_tf=True, max_features=60_000, dtype=np.float32)

    return LineFeatures([
        ("designation_words", OnceEach(words()), "designation"),
        ("designation_chars", OnceEach(chars()), "designation"),
        ("section_words", OnceEach(words()), "section_path"),
        ("unit", OneHotEncoder(handle_unknown="ignore"), ["unit"]),
        ("numbers", FunctionTransformer(_numbers, feature_names_out=_number_names), list(NUMERIC_COLUMNS)),
    ])


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns the transformer reads: texts in their plain form, no missing text."""
    out = pd.DataFrame({str(c): frame[c].to_numpy() for c in ("designation", "section_path", "unit",
                                                              *NUMERIC_COLUMNS)})
    for column in TEXT_COLUMNS:
        out[column] = plain_column(out[column])
    out["unit"] = out["unit"].fillna("").astype(str)
    return out


def feature_counts(transformer: LineFeatures) -> dict[str, int]:
    """Number of features per block of a fitted transformer."""
    names = transformer.get_feature_names_out()
    counts: dict[str, int] = {}
    for name in names:
        block = name.split("__", 1)[0]
        counts[block] = counts.get(block, 0) + 1
    return counts
