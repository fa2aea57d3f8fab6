"""Where each mode's artefacts live and how they are named, saved and loaded.

Under ``<data_dir>/ml/`` every file carries its mode as a suffix, so a ``dev`` run never overwrites a
``prod`` artefact:

- ``features_<mode>.joblib``: the fitted feature transformer, and ``training_features_<mode>.joblib`` the
  training projects' feature matrix it computed, which the model step reads (features asset);
- ``trade_model_<mode>.joblib``: features + classifier, everything ``dpgf predict`` needs;
- ``trade_model_<mode>.json``: version, family, parameters, data hash, cross-validation, library versions;
- ``evaluation_<mode>.json`` and ``per_trade_<mode>.csv``, ``confusion_matrix_<mode>.csv|png``,
  ``roc_<mode>.csv|png``, ``top_features_<mode>.csv|png``, ``reliability_<mode>.png``,
  ``families_<mode>.csv`` (model_evaluation asset).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import joblib
import sklearn

from dpgf_assets.ml import MODES, ModelUnavailableError

FORMAT = 1  # bumped when the saved bundle changes shape


def ml_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "ml"


def artefact(data_dir: Path, name: str, mode: str, ext: str) -> Path:
    """``<data_dir>/ml/<name>_<mode>.<ext>``."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: dev or prod")
    return ml_dir(data_dir) / f"{name}_{mode}.{ext}"


def _atomic(path: Path, write) -> Path:  # noqa: ANN001 - a callable writing to a path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    write(partial)
    os.replace(partial, path)  # a crash leaves the previous artefact, never half a file
    return path


def save_object(path: Path, value: Any, compress: int = 3) -> Path:
    return _atomic(path, lambda p: joblib.dump(value, p, compress=compress))


def save_json(path: Path, value: Any) -> Path:
    return _atomic(path, lambda p: p.write_text(json.dumps(value, indent=2, ensure_ascii=False, default=str),
                                               encoding="utf-8"))


def save_model(data_dir: Path, mode: str, pipeline: Any, metadata: dict) -> tuple[Path, Path]:
    bundle = {"format": FORMAT, "sklearn": sklearn.__version__, "mode": mode,
              "model_version": metadata["model_version"], "pipeline": pipeline}
    meta = {**metadata, "format": FORMAT, "sklearn": sklearn.__version__}
    model = save_object(artefact(data_dir, "trade_model", mode, "joblib"), bundle)
    return model, save_json(artefact(data_dir, "trade_model", mode, "json"), meta)


def _train_hint(mode: str) -> str:
    return f"train one with: dpgf ml --mode {mode} (or dpgf demo for the sample library)"


def load_model(data_dir: Path, mode: str) -> dict:
    """The saved bundle of ``mode`` (format, sklearn, model_version, pipeline), checked usable."""
    path = artefact(data_dir, "trade_model", mode, "joblib")
    if not path.exists():
        raise ModelUnavailableError(f"no trained {mode} model at {path}: {_train_hint(mode)}")
    try:
        bundle = joblib.load(path)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the same case for the user
        raise ModelUnavailableError(f"{path}: unreadable model ({type(exc).__name__}); {_train_hint(mode)}") from exc
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise ModelUnavailableError(f"{path}: saved in another format than this version reads; {_train_hint(mode)}")
    if bundle.get("sklearn", "").split(".")[:2] != sklearn.__version__.split(".")[:2]:
        raise ModelUnavailableError(f"{path}: saved by scikit-learn {bundle.get('sklearn')}, this is "
                                    f"{sklearn.__version__}; {_train_hint(mode)}")
    return bundle


def load_current_model(data_dir: Path) -> dict:
    """The prod model when there is a usable one, else the dev one."""
    if not any(artefact(data_dir, "trade_model", mode, "joblib").exists() for mode in MODES):
        raise ModelUnavailableError(f"no trained trade model in {ml_dir(data_dir)}: train one with: "
                                    "dpgf ml --mode dev (or dpgf demo for the sample library)")
    errors = []
    for mode in ("prod", "dev"):
        try:
            return load_model(data_dir, mode)
        except ModelUnavailableError as exc:
            errors.append(str(exc))
    raise ModelUnavailableError("no usable trade model: " + " | ".join(errors))
