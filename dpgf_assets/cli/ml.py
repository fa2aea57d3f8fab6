"""Commands of the ml group: ``dpgf ml --mode dev|prod [--steps …]`` and ``dpgf predict FILE``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.table import Table

from dpgf_assets.cli.parse import parse_given_file
from dpgf_assets.cli.platform import Platform, console, errors, settings_of

STEPS = ("extract", "transform", "load", "features", "train", "evaluate", "predict")
# extract, transform and load are the three stages of one asset (their timings are in its metadata)
STEP_ASSETS = {"extract": "training_set", "transform": "training_set", "load": "training_set",
               "features": "features", "train": "trade_model", "evaluate": "model_evaluation",
               "predict": "trade_predictions"}
ASSET_ORDER = ("training_set", "features", "trade_model", "model_evaluation", "trade_predictions")


def assets_of(steps: list[str]) -> list[str]:
    """The assets the steps materialise, in pipeline order."""
    wanted = {STEP_ASSETS[s] for s in steps}
    return [a for a in ASSET_ORDER if a in wanted]


def _failure(result) -> str:  # noqa: ANN001 - an ExecuteInProcessResult
    for event in result.all_events:
        if event.is_step_failure:
            data = event.step_failure_data
            text = (data.user_failure_data.description if data.user_failure_data and data.user_failure_data.description
                    else data.error.message.strip() if data.error else "failed")
            return f"{event.step_key}: {text}"
    return "the run failed"


def run_ml(platform: Platform, mode: str, steps: list[str]) -> int:
    """Materialise the steps' assets of the ``mode`` partition in one run; print timings and artefacts."""
    from dagster import AssetKey

    from dpgf_assets.cli.runs import COMMAND_TAG, _console
    from dpgf_assets.ml.artefacts import ml_dir

    selection = assets_of(steps)
    job = platform.defs.resolve_job_def("ml_job")
    result = job.execute_in_process(instance=platform.instance, partition_key=mode,
                                    asset_selection=[AssetKey(a) for a in selection], raise_on_error=False,
                                    tags={COMMAND_TAG: "ml"}, run_config=_console(None, platform.settings.debug))
    stats = {s.step_key: s for s in platform.instance.get_run_step_stats(result.run_id)}
    table = Table(title=f"dpgf ml --mode {mode}: {', '.join(selection)}")
    for column in ("step", "asset", "seconds", "figures"):
        table.add_column(column)
    total = 0.0
    for asset in selection:
        stat = stats.get(asset)
        seconds = (stat.end_time - stat.start_time) if stat and stat.end_time and stat.start_time else None
        total += seconds or 0.0
        events = result.asset_materializations_for_node(asset) if stat and stat.status.value == "SUCCESS" else []
        meta = {k: getattr(v, "value", v) for k, v in events[0].metadata.items()} if events else {}
        names = [s for s in STEPS if STEP_ASSETS[s] == asset]
        if asset == "training_set" and meta:  # one asset, three steps: a row each, its figures on the last
            for name in names:
                table.add_row(name, asset, f"{meta[f'seconds_{name}']:.2f}", "" if name != names[-1] else
                              f"{meta['dagster/row_count']} lines ({meta['train_rows']} train, "
                              f"{meta['heldout_rows']} held out)")
            continue
        figures = {"training_set": lambda m: "",
                   "features": lambda m: f"{m['features']} features",
                   "trade_model": lambda m: f"{m['model_version']}, CV macro-F1 {m['cv_mean_macro_f1']}",
                   "model_evaluation": lambda m: f"held-out macro-F1 {m['macro_f1']} (majority {m['majority_macro_f1']})",
                   "trade_predictions": lambda m: f"{m['dagster/row_count']} lines predicted"}[asset]
        table.add_row(" ".join(names), asset, f"{seconds:.2f}" if seconds else "-",
                      figures(meta) if meta else ("failed" if stat else "not run"))
    table.add_row("total", "", f"{total:.2f}", "")
    console.print(table)
    folder = ml_dir(platform.settings.data_dir)
    files = sorted(p.name for p in folder.glob(f"*_{mode}.*")) if folder.exists() else []
    console.print(f"Artefacts ({mode}) in {folder}: {', '.join(files) or 'none yet'}")
    if not result.success:
        errors.print(f"dpgf ml --mode {mode} failed at {_failure(result)} (run {result.run_id})")
        return 1
    return 0


def cmd_ml(args: argparse.Namespace) -> int:
    platform = Platform(settings_of(args))
    try:
        return run_ml(platform, args.mode, args.steps or list(STEPS))
    finally:
        platform.close()


def demo_ml(args: argparse.Namespace) -> int:
    """What ``dpgf demo`` adds: the dev model trained, evaluated, and its predictions."""
    return cmd_ml(argparse.Namespace(**{**vars(args), "mode": "dev", "steps": list(STEPS)}))


def cmd_predict(args: argparse.Namespace) -> int:
    from dpgf_assets.ml.artefacts import ModelUnavailableError, load_current_model
    from dpgf_assets.ml.lines import document_lines
    from dpgf_assets.ml.steps import predict_frame
    from dpgf_assets.parsing.model import ParseError
    from dpgf_assets.warehouse.trades import confidence_of

    settings = settings_of(args)
    try:
        doc = parse_given_file(args.file)
    except ParseError as exc:
        errors.print(f"{args.file}: {exc.reason}")
        return 1
    frame = document_lines(doc)
    if frame.empty:
        errors.print(f"{args.file}: no articles found to predict (dpgf parse {args.file} shows what was read)")
        return 1
    try:
        bundle = load_current_model(settings.data_dir)
    except ModelUnavailableError as exc:
        errors.print(str(exc))
        return 2
    trades, probabilities = predict_frame(bundle, frame)
    items = [{"sheet": s, "row": int(r), "code": c if isinstance(c, str) else None, "designation": d,
              "trade": str(t), "probability": round(float(p), 4), "confidence": confidence_of(float(p))}
             for s, r, c, d, t, p in zip(frame["sheet"], frame["row"], frame["code"], frame["designation"], trades,
                                         probabilities)]
    if args.json:
        print(json.dumps({"file": str(args.file), "model_version": bundle["model_version"], "items": items},
                         ensure_ascii=False, indent=2, allow_nan=False))
        return 0
    table = Table(title=f"{Path(args.file).name}: {len(items)} articles, model {bundle['model_version']}")
    for column in ("sheet", "row", "code", "designation", "trade", "probability", "confidence"):
        table.add_column(column)
    for item in items:
        table.add_row(item["sheet"], str(item["row"]), item["code"] or "", item["designation"][:70], item["trade"],
                      f"{item['probability']:.2f}", item["confidence"])
    console.print(table)
    return 0


def register(sub) -> None:  # noqa: ANN001 - argparse's subparsers
    ml = sub.add_parser("ml", help="train, evaluate and apply the trade model of one mode (dev or prod)")
    ml.add_argument("--mode", choices=("dev", "prod"), required=True,
                    help="dev: sampled training set, few folds; prod: every labelled line (settings ml.<mode>.*)")
    ml.add_argument("--steps", nargs="+", choices=STEPS, metavar="STEP",
                    help=f"only these steps, among {' '.join(STEPS)} (default: all)")
    ml.set_defaults(func=cmd_ml)
    predict = sub.add_parser("predict", help="the trade of each article of a workbook that is not imported")
    predict.add_argument("file", help="the workbook file (xlsx, xlsm, xls, xlsb, ods or csv)")
    predict.add_argument("--json", action="store_true",
                         help='print {"file", "model_version", "items": [{sheet, row, code, designation, trade, '
                         'probability, confidence}]}')
    predict.set_defaults(func=cmd_predict)
