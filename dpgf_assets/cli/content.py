"""Commands of the content group: ``dpgf content generate|get`` and ``dpgf serve``."""

from __future__ import annotations

import argparse
import time

from dpgf_assets.cli.platform import Platform, console, errors, settings_of

PROJECTS_PER_RUN = 100  # partitions of pregenerated_content per Dagster run (the progress bar's step)


def _metadata_value(value):  # noqa: ANN001, ANN202 - a Dagster MetadataValue
    return getattr(value, "value", value)


def generate(platform: Platform, *, workers: int | None = None, sequential: bool = False, force: bool = False,
             project: str | None = None) -> int:
    """Register the projects, rebuild the price reference, then write the briefs in Dagster runs."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from dpgf_assets.assets.content import partition_key, project_partitions, register_projects
    from dpgf_assets.cli.runs import COMMAND_TAG, RANGE_END_TAG, RANGE_START_TAG, _console, contiguous_runs

    started = time.perf_counter()
    instance, defs, verbose = platform.instance, platform.defs, platform.settings.debug
    register_projects(instance, platform.engine())
    keys = instance.get_dynamic_partitions(project_partitions.name)
    if project is not None:
        if partition_key(project) not in keys:
            errors.print(f"Unknown project {project!r}: `dpgf content get` lists none; see GET /api/projects",
                         markup=False)
            return 2
        wanted = [partition_key(project)]
    else:
        wanted = keys
    reference = defs.resolve_job_def("price_reference_job").execute_in_process(
        instance=instance, raise_on_error=False, tags={COMMAND_TAG: "content"}, run_config=_console(None, verbose))
    if not reference.success:
        errors.print(f"The price reference failed: see run {reference.run_id} in the UI (dpgf up)")
        return 1
    config = {k: v for k, v in {"workers": workers, "sequential": sequential, "force": force}.items() if v}
    run_config = _console({"ops": {"pregenerated_content": {"config": config}}}, verbose)
    totals = dict.fromkeys(("generated", "refreshed", "skipped", "failed", "combinations"), 0)
    failures: list[str] = []
    job = defs.resolve_job_def("content_job")
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=not console.is_terminal) as progress:
        task = progress.add_task("writing briefs", total=len(wanted))
        for group in contiguous_runs(keys, wanted, PROJECTS_PER_RUN):
            result = job.execute_in_process(
                instance=instance, raise_on_error=False, run_config=run_config,
                tags={RANGE_START_TAG: group[0], RANGE_END_TAG: group[-1], COMMAND_TAG: "content"})
            events = result.asset_materializations_for_node("pregenerated_content") if result.success else []
            if not events:
                errors.print(f"Run {result.run_id} failed: see it in the UI (dpgf up)")
                return 1
            metadata = {k: _metadata_value(v) for k, v in events[0].metadata.items()}
            for key in totals:
                totals[key] += metadata[key]
            if metadata["failed"]:
                failures.append(metadata["failures"])
            progress.advance(task, len(group))
    seconds = time.perf_counter() - started
    console.print(f"Briefs: {totals['generated']} generated, {totals['refreshed']} refreshed, "
                  f"{totals['skipped']} skipped, {totals['failed']} failed "
                  f"({len(wanted)} projects, {totals['combinations']} combinations) in {seconds:.1f}s")
    for text in failures:
        errors.print(text, markup=False)
    return 1 if totals["failed"] else 0


def demo_content(args: argparse.Namespace) -> int:
    """What ``dpgf demo`` adds: the price reference and the briefs of the sample projects, then how to
    start the API."""
    platform = Platform(settings_of(args))
    try:
        code = generate(platform)
        host, port = platform.settings["api.host"], platform.settings["api.port"]
    finally:
        platform.close()
    console.print(f"Serve them: .venv/bin/dpgf serve   (then http://{host}:{port}/docs, "
                  f"e.g. http://{host}:{port}/api/projects)")
    return code


def cmd_generate(args: argparse.Namespace) -> int:
    platform = Platform(settings_of(args))
    try:
        return generate(platform, workers=args.workers, sequential=args.sequential, force=args.force,
                        project=args.project)
    finally:
        platform.close()


def cmd_get(args: argparse.Namespace) -> int:
    from dpgf_assets.api.server import ApiStartError, read_only_engine
    from dpgf_assets.content.config import criteria_of
    from dpgf_assets.content.criteria import Combination, CriteriaError
    from dpgf_assets.content.store import get_brief

    settings = settings_of(args)
    criteria = criteria_of(settings)
    try:
        for dimension in ("audience", "theme", "style"):
            criteria.check(dimension, getattr(args, dimension))
        engine = read_only_engine(settings.warehouse_url)
    except (CriteriaError, ApiStartError) as exc:
        errors.print(str(exc), markup=False)
        return 2
    with engine.connect() as conn:
        brief = get_brief(conn, args.project, Combination(args.audience, args.theme, args.style))
    engine.dispose()
    if brief is None:
        errors.print(f"No brief for {args.project!r} ({args.audience} × {args.theme} × {args.style}): "
                     "run `dpgf content generate` first", markup=False)
        return 1
    if args.json:
        import json

        print(json.dumps(brief.to_json(), ensure_ascii=False, indent=2, allow_nan=False))
    else:
        print(brief.text, end="")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from dpgf_assets.api.server import ApiStartError, check_bind, serve
    from dpgf_assets.content.config import criteria_of

    settings = settings_of(args)
    host, port = args.host or settings["api.host"], args.port or settings["api.port"]
    try:
        check_bind(host, settings["api.token"])
        console.print(f"API on http://{host}:{port} (OpenAPI: http://{host}:{port}/docs); Ctrl-C stops it")
        serve(settings.warehouse_url, host, port, settings["api.token"], criteria_of(settings))
    except ApiStartError as exc:
        errors.print(f"Not started: {exc}", markup=False)
        return 2
    return 0


def register(sub) -> None:  # noqa: ANN001 - argparse's subparsers
    content = sub.add_parser("content", help="pregenerated briefs: generate them, read one")
    actions = content.add_subparsers(dest="action", required=True, metavar="ACTION")
    gen = actions.add_parser("generate", help="rebuild the price reference, then write every brief not up to date")
    how = gen.add_mutually_exclusive_group()
    how.add_argument("--workers", type=int, help="threads writing briefs at once (content.workers)")
    how.add_argument("--sequential", action="store_true", help="one brief at a time")
    gen.add_argument("--force", action="store_true", help="rewrite every brief, even up to date")
    gen.add_argument("--project", help="only this project (its key)")
    gen.set_defaults(func=cmd_generate)
    get = actions.add_parser("get", help="print one brief")
    get.add_argument("--project", required=True, help="the project's key (GET /api/projects lists them)")
    get.add_argument("--audience", required=True, help="who the brief is for: one of content.audiences")
    get.add_argument("--theme", required=True, help="what the brief is about: one of content.themes")
    get.add_argument("--style", required=True, help="how the brief is written: one of content.styles")
    get.add_argument("--json", action="store_true", help="the API's JSON instead of the text")
    get.set_defaults(func=cmd_get)

    serve = sub.add_parser("serve", help="the read-only HTTP API over briefs and the price reference")
    serve.add_argument("--host", help="address to bind (api.host, default 127.0.0.1; others need DPGF_API_TOKEN)")
    serve.add_argument("--port", type=int, help="port (api.port, default 8000)")
    serve.set_defaults(func=cmd_serve)
