"""One typed settings object: defaults < workflow config file < DPGF_* environment < run config.

Every setting is declared once in ``SPEC``; the README table, the environment variable names and the
validation messages all come from it, so nothing is said twice.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping

import yaml

from dpgf_assets.content.criteria import AUDIENCES, STYLES, THEMES, known_values
from dpgf_assets.ml import FAMILIES

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """A setting has a value that is not allowed; the message names key, value and what is allowed."""


@dataclass(frozen=True)
class Spec:
    key: str
    kind: type
    default: Any
    allowed: str
    check: Callable[[Any], bool]
    help: str
    secret: bool = False  # may hold a password: never serialised, shown or logged

    @property
    def env(self) -> str:
        return "DPGF_" + self.key.upper().replace(".", "_")


def _positive(v: Any) -> bool:
    return v > 0


def _non_negative(v: Any) -> bool:
    return v >= 0


def _unit_interval(v: Any) -> bool:
    return 0.0 <= v <= 1.0


def _always(_: Any) -> bool:
    return True


def _warehouse_url(value: str) -> bool:
    """Empty, or a URL of one of the two warehouses the platform runs on (its driver may be named)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if not value:
        return True
    try:
        return make_url(value).get_backend_name() in ("sqlite", "postgresql")
    except (ArgumentError, ValueError):
        return False


def _criteria(dimension: str) -> Callable[[Any], bool]:
    return lambda values: known_values(values, dimension)


SPEC: tuple[Spec, ...] = (
    Spec("download.batch_size", int, 25, "an integer ≥ 1", _positive, "Files per import batch at most."),
    Spec("download.max_batch_size_mb", float, 100.0, "a number > 0", _positive,
         "MB per import batch at most (a larger file gets a batch alone)."),
    Spec("download.max_memory_mb", int, 2048, "an integer ≥ 1", _positive,
         "Process memory above which a batch drops to one file at a time."),
    Spec("download.max_disk_mb", int, 5120, "an integer ≥ 1", _positive,
         "Disk space a batch folder may use for downloads."),
    Spec("download.spool_mb", int, 1024, "an integer ≥ 0 (0: no spool)", _non_negative,
         "Disk the inventory may use to keep the small workbooks it read whole, so their import "
         "downloads them no more."),
    Spec("download.auto_cleanup", bool, True, "true or false", _always,
         "Delete each local copy as soon as it is parsed."),
    Spec("download.retry_count", int, 3, "an integer ≥ 0", _non_negative,
         "Retries of a transient failure (network, 429, 503) before giving up."),
    Spec("download.timeout_seconds", float, 60.0, "a number > 0", _positive,
         "Timeout of every request to the source."),
    Spec("scanning.min_confidence", float, 0.5, "a number between 0 and 1", _unit_interval,
         "Recognition confidence below which a file is not imported."),
    Spec("scanning.max_files", int, 0, "an integer ≥ 0 (0: no limit)", _non_negative,
         "Files imported at most per inventory (most confident first)."),
    Spec("scanning.deep_scan", bool, True, "true or false", _always,
         "Read sheet names, titles and table headers (by HTTP range for xlsx/xlsm) to recognise "
         "files, not only their names."),
    Spec("imports.step_retries", int, 3, "an integer ≥ 0", _non_negative,
         "Dagster retries of a batch whose files hit transient failures past download.retry_count."),
    Spec("imports.retry_delay_seconds", float, 10.0, "a number ≥ 0", _non_negative,
         "First delay of those retries (doubled each time, with jitter)."),
    Spec("imports.max_partitions_per_run", int, 25, "an integer ≥ 1", _positive,
         "Batches a backfill run imports at most (one Dagster run per group)."),
    Spec("imports.parallel_runs", int, 0, "an integer ≥ 0 (0: one per core, at most 4, on PostgreSQL; "
         "1 on SQLite)", _non_negative,
         "Import runs Dagster's run queue starts at once (the slots of the instance's pool `imports`)."),
    Spec("checks.max_failure_rate", float, 0.2, "a number between 0 and 1", _unit_interval,
         "Asset check: share of a batch's files that may fail."),
    Spec("checks.max_batch_minutes", float, 10.0, "a number > 0", _positive,
         "Asset check: minutes a batch may take."),
    Spec("checks.max_memory_share", float, 0.9, "a number between 0 and 1", _unit_interval,
         "Asset check: peak memory as a share of download.max_memory_mb."),
    Spec("checks.min_free_disk_mb", float, 100.0, "a number ≥ 0", _non_negative,
         "Asset check: free disk that must remain."),
    Spec("checks.max_pending_files", int, 0, "an integer ≥ 0", _non_negative,
         "Asset check of the inventory: files left waiting that no batch holds (not recognised, or beyond "
         "scanning.max_files)."),
    Spec("checks.max_unrecognised_share", float, 0.1, "a number between 0 and 1", _unit_interval,
         "Asset check of the inventory: share of spreadsheets recognised below scanning.min_confidence "
         "(left out, though they may be pricing files)."),
    Spec("checks.max_unread_files", int, 0, "an integer ≥ 0", _non_negative,
         "Asset check of the inventory: spreadsheets whose content could not be read to recognise them "
         "(judged by their name alone)."),
    Spec("source.kind", str, "local", "local or sharepoint", lambda v: v in ("local", "sharepoint"),
         "Where files come from: a local folder or a SharePoint library (DPGF_SHAREPOINT_* variables)."),
    Spec("source.path", str, "", "a folder path (empty: the bundled sample library)", _always,
         "Local folder laid out like a SharePoint library."),
    Spec("warehouse.url", str, "", "sqlite:///PATH or postgresql://USER@HOST:PORT/DATABASE (empty: SQLite under "
         "the data folder)", lambda v: _warehouse_url(v),
         "Price database: sqlite:///… or postgresql://…", secret=True),
    Spec("projects.depth", int, 2, "an integer ≥ 1", _positive,
         "The first N folders of a file's path are its project (the last one names it): "
         "2 for Projets/<project>/…, 1 when projects are at the top of the library."),
    Spec("sensor.running", bool, False, "true or false", _always,
         "Start the sharepoint_new_files sensor running by default."),
    Spec("sensor.interval_seconds", int, 60, "an integer ≥ 5", lambda v: v >= 5,
         "Seconds between two ticks of the sensor at least."),
    Spec("content.generator", str, "template", "template or llm", lambda v: v in ("template", "llm"),
         "What writes the briefs: Jinja2 templates (deterministic, the default) or a language model (llm.*)."),
    Spec("content.audiences", list, tuple(AUDIENCES), f"comma-separated, among {', '.join(AUDIENCES)}",
         _criteria("audience"), "Audiences of the pregenerated briefs."),
    Spec("content.themes", list, tuple(THEMES), f"comma-separated, among {', '.join(THEMES)}",
         _criteria("theme"), "Themes of the pregenerated briefs."),
    Spec("content.styles", list, tuple(STYLES), f"comma-separated, among {', '.join(STYLES)}",
         _criteria("style"), "Styles of the pregenerated briefs (one brief per audience × theme × style)."),
    Spec("content.automation", bool, True, "true or false", _always,
         "Start the content_automation sensor running: the price reference is refreshed after imports, then "
         "the briefs of the projects whose facts changed (Dagster declarative automation)."),
    Spec("content.workers", int, 4, "an integer ≥ 1", _positive,
         "Threads that generate briefs at once (`dpgf content generate --workers N`)."),
    Spec("content.top_items", int, 5, "an integer ≥ 1", _positive,
         "Largest items and abnormal prices a brief quotes at most."),
    Spec("content.reference_min_count", int, 5, "an integer ≥ 2", lambda v: v >= 2,
         "Prices a reference needs before a unit price is judged against it."),
    Spec("content.outlier_factor", float, 1.5, "a number > 0", _positive,
         "A unit price is abnormal beyond the quartiles by this many interquartile ranges…"),
    Spec("content.outlier_min_gap", float, 0.25, "a number between 0 and 1", _unit_interval,
         "…and this share of the median at least (so that a tight reference flags no rounding)."),
    *(spec for mode, sample, folds, trees in (("dev", 5000, 3, 100), ("prod", 0, 5, 200)) for spec in (
        Spec(f"ml.{mode}.sample_size", int, sample, "an integer ≥ 0 (0: every labelled line)", _non_negative,
             f"Labelled lines the {mode} training set draws (stratified by trade)."),
        Spec(f"ml.{mode}.folds", int, folds, "an integer ≥ 2", lambda v: v >= 2,
             f"Cross-validation folds of the {mode} model, grouped by project."),
        Spec(f"ml.{mode}.family", str, "linear", f"one of {', '.join(FAMILIES)}", lambda v: v in FAMILIES,
             f"Model family of the {mode} model (benchmarks/ml.py scores every family on held-out projects)."),
        Spec(f"ml.{mode}.trees", int, trees, "an integer ≥ 1", _positive,
             f"Trees of the {mode} random forest."),
        Spec(f"ml.{mode}.linear_alpha", float, 1e-5, "a number > 0", _positive,
             f"L2 penalty of the {mode} linear model (logistic regression by SGD)."),
        Spec(f"ml.{mode}.seed", int, 42, "an integer", _always,
             f"Seed of the {mode} sample, held-out projects and model."),
        Spec(f"ml.{mode}.compare_families", bool, True, "true or false", _always,
             f"The {mode} evaluation also trains and scores the other families on the same split."),
    )),
    Spec("ml.heldout_share", float, 0.2, "a number between 0 and 1", lambda v: 0 < v < 1,
         "Share of projects held out of training, on which the model is evaluated."),
    Spec("ml.automation", bool, True, "true or false", _always,
         "Start the ml_automation sensor running: newly imported lines get trade predictions from the "
         "trained models without retraining (Dagster declarative automation)."),
    Spec("llm.base_url", str, "", "an http(s) URL of an OpenAI-compatible API (e.g. http://127.0.0.1:11434/v1)",
         lambda v: v == "" or v.startswith(("http://", "https://")),
         "Chat-completions endpoint of the llm generator (Ollama, vLLM, llama.cpp server…)."),
    Spec("llm.model", str, "", "a model name the endpoint serves", _always, "Model of the llm generator."),
    Spec("llm.api_key", str, "", "a key (read from the environment by Dagster runs)", _always,
         "Bearer key of the endpoint, if it needs one.", secret=True),
    Spec("llm.timeout_seconds", float, 60.0, "a number > 0", _positive, "Timeout of one request to the model."),
    Spec("llm.max_retries", int, 3, "an integer ≥ 0", _non_negative,
         "Retries of a timeout, 429 or 5xx (Retry-After honoured, else exponential backoff with jitter)."),
    Spec("llm.backoff_seconds", float, 1.0, "a number ≥ 0", _non_negative, "First backoff delay (doubled each retry)."),
    Spec("llm.temperature", float, 0.2, "a number between 0 and 2", lambda v: 0 <= v <= 2,
         "Sampling temperature of the model."),
    Spec("llm.max_tokens", int, 900, "an integer ≥ 1", _positive, "Length of a brief in tokens at most."),
    Spec("api.host", str, "127.0.0.1", "an address (any other than loopback needs DPGF_API_TOKEN)", _always,
         "Address `dpgf serve` binds."),
    Spec("api.port", int, 8000, "an integer between 1 and 65535", lambda v: 1 <= v <= 65535,
         "Port `dpgf serve` listens on."),
    Spec("api.token", str, "", "a long random string", _always,
         "Bearer token the API requires (required off loopback).", secret=True),
    Spec("data_dir", str, "", "a folder path (empty: .dpgf under the project)", _always,
         "Where the warehouse, the Dagster instance, the sample library and batch folders live."),
    Spec("debug", bool, False, "true or false", _always, "Detailed logs."),
)
SPEC_BY_KEY = {s.key: s for s in SPEC}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _coerce(spec: Spec, value: Any, origin: str) -> Any:
    def refuse() -> SettingsError:
        shown = _shown(value) if spec.secret else value
        return SettingsError(
            f"setting {spec.key} = {shown!r} (from {origin}) is not allowed: expected {spec.allowed}"
        )

    try:
        if spec.kind is bool:
            if isinstance(value, bool):
                out: Any = value
            elif isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
                out = value.strip().lower() in _TRUE
            else:
                raise refuse()
        elif spec.kind is int:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise refuse()
            out = int(str(value).strip()) if isinstance(value, str) else int(value)
        elif spec.kind is list:
            parts = value.split(",") if isinstance(value, str) else value
            if not isinstance(parts, (list, tuple)) or not all(isinstance(p, str) for p in parts):
                raise refuse()
            out = tuple(p.strip() for p in parts if p.strip())
        elif spec.kind is float:
            if isinstance(value, bool):
                raise refuse()
            out = float(str(value).strip().replace(",", ".")) if isinstance(value, str) else float(value)
        else:
            if not isinstance(value, (str, Path)):
                raise refuse()
            out = str(value)
    except (TypeError, ValueError) as exc:
        if isinstance(exc, SettingsError):
            raise
        raise refuse() from None
    if not spec.check(out):
        raise refuse()
    return out


def _shown(value: Any) -> str:
    """A secret setting's value as a message may show it: a URL without its password, else nothing."""
    from dpgf_assets.warehouse.db import redacted

    try:
        return redacted(str(value)) if "://" in str(value) else "***"
    except Exception:  # noqa: BLE001 - not even a URL: show none of it
        return "***"


def _flatten(tree: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def read_config_file(path: Path) -> dict[str, Any]:
    """A workflow configuration file (JSON or YAML, nested or dotted keys) as flat keys."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SettingsError(f"configuration file {path} cannot be read: {exc.strerror}") from None
    try:
        tree = json.loads(text) if str(path).endswith(".json") else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise SettingsError(f"configuration file {path} is not valid JSON/YAML: {exc}") from None
    if tree is None:
        return {}
    if not isinstance(tree, Mapping):
        raise SettingsError(f"configuration file {path} must hold a mapping of settings")
    flat = _flatten(tree)
    unknown = sorted(set(flat) - set(SPEC_BY_KEY))
    if unknown:
        raise SettingsError(
            f"configuration file {path}: unknown setting(s) {', '.join(unknown)}; "
            f"known: {', '.join(SPEC_BY_KEY)}"
        )
    return flat


@dataclass(frozen=True)
class DownloadSettings:
    batch_size: int
    max_batch_size_mb: float
    max_memory_mb: int
    max_disk_mb: int
    spool_mb: int
    auto_cleanup: bool
    retry_count: int
    timeout_seconds: float


@dataclass(frozen=True)
class ScanningSettings:
    min_confidence: float
    max_files: int
    deep_scan: bool


@dataclass(frozen=True)
class Settings:
    """Validated settings; build with ``load_settings`` and refine with ``with_overrides``."""

    values: Mapping[str, Any] = field(repr=False)
    origins: Mapping[str, str] = field(repr=False)
    config_file: str | None = None

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def download(self) -> DownloadSettings:
        return DownloadSettings(**{k.split(".", 1)[1]: v for k, v in self.values.items()
                                   if k.startswith("download.")})

    @property
    def scanning(self) -> ScanningSettings:
        return ScanningSettings(**{k.split(".", 1)[1]: v for k, v in self.values.items()
                                   if k.startswith("scanning.")})

    @property
    def debug(self) -> bool:
        return self.values["debug"]

    @property
    def data_dir(self) -> Path:
        return Path(self.values["data_dir"] or PROJECT_ROOT / ".dpgf").resolve()

    @property
    def sample_library(self) -> Path:
        return self.data_dir / "sample_library"

    @property
    def source_path(self) -> Path:
        return Path(self.values["source.path"]).resolve() if self.values["source.path"] else self.sample_library

    @property
    def source_kind(self) -> str:
        return self.values["source.kind"]

    @property
    def uses_sample_library(self) -> bool:
        return self.source_kind == "local" and not self.values["source.path"]

    @property
    def warehouse_url(self) -> str:
        return self.values["warehouse.url"] or f"sqlite:///{self.data_dir / 'warehouse.sqlite'}"

    @property
    def batches_dir(self) -> Path:
        return self.data_dir / "batches"

    @property
    def spool_dir(self) -> Path:
        return self.data_dir / "spool"

    @property
    def dagster_home(self) -> Path:
        return self.data_dir / "dagster"

    def to_json(self) -> str:
        """The values without secrets, to hand the resolved settings to Dagster resources."""
        public = {k: v for k, v in self.values.items() if not SPEC_BY_KEY[k].secret}
        return json.dumps({"values": public, "origins": {k: self.origins[k] for k in public},
                           "config_file": self.config_file}, sort_keys=True, allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> "Settings":
        data = json.loads(text)
        base = cls(values={s.key: s.default for s in SPEC}, origins={s.key: "default" for s in SPEC},
                   config_file=data.get("config_file"))
        resolved = base.with_overrides(data["values"], origin="resolved settings")
        return replace(resolved, origins={**resolved.origins, **data.get("origins", {})})

    def with_overrides(self, overrides: Mapping[str, Any], origin: str = "run config") -> "Settings":
        """Settings with some keys replaced (None means: keep), validated like every other layer."""
        values = dict(self.values)
        origins = dict(self.origins)
        for key, value in overrides.items():
            if value is None:
                continue
            if key not in SPEC_BY_KEY:
                raise SettingsError(f"unknown setting {key} (from {origin})")
            values[key] = _coerce(SPEC_BY_KEY[key], value, origin)
            origins[key] = origin
        return replace(self, values=values, origins=origins)


def load_settings(
    config_file: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Defaults, then the workflow config file (argument or DPGF_CONFIG), then DPGF_* variables."""
    env = os.environ if environ is None else environ
    values = {s.key: s.default for s in SPEC}
    origins = {s.key: "default" for s in SPEC}
    path = str(config_file or env.get("DPGF_CONFIG") or "") or None
    settings = Settings(values=values, origins=origins, config_file=path)
    if path:
        settings = settings.with_overrides(read_config_file(Path(path)), origin=f"file {path}")
    from_env = {s.key: env[s.env] for s in SPEC if s.env in env}
    for key, value in from_env.items():
        settings = settings.with_overrides({key: value}, origin=f"environment {SPEC_BY_KEY[key].env}")
    if overrides:
        settings = settings.with_overrides(overrides)
    return settings


def settings_table_markdown() -> str:
    """The README's table of every setting, generated from SPEC."""
    lines = ["| key | environment variable | default | allowed | what it does |", "|---|---|---|---|---|"]
    for s in SPEC:
        if isinstance(s.default, tuple):
            default = f"`{','.join(s.default)}`"
        elif isinstance(s.default, str):
            default = f"`{s.default}`" if s.default else "(empty)"
        else:
            default = json.dumps(s.default, allow_nan=False)
        lines.append(f"| `{s.key}` | `{s.env}` | {default} | {s.allowed} | {s.help} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(settings_table_markdown())
