"""Group ``content``: the price reference and, per project, every pregenerated brief."""


import hashlib
import os
from typing import Optional

from dagster import (
    AllPartitionMapping,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetDep,
    AssetExecutionContext,
    AssetKey,
    AutomationCondition,
    AutomationConditionSensorDefinition,
    BackfillPolicy,
    Config,
    DefaultSensorStatus,
    DynamicPartitionsDefinition,
    MaterializeResult,
    MetadataValue,
    asset,
)
from sqlalchemy import Engine, select

from dpgf_assets.content.config import criteria_of, facts_options_of, generator_of
from dpgf_assets.content.reference import refresh_reference
from dpgf_assets.content.writer import GenerationReport, pregenerate
from dpgf_assets.resources import SettingsResource, WarehouseResource
from dpgf_assets.settings import SPEC_BY_KEY
from dpgf_assets.warehouse.schema import documents, projects

project_partitions = DynamicPartitionsDefinition(name="project")
FAILED_CHECK = "no_failed_combinations"
_UNSAFE = ("...", ",", "\a", "\b", "\f", "\n", "\r", "\t", "\v", "\0")


def partition_key(project_key: str) -> str:
    """The project's partition key: its key, unless Dagster or the UI would choke on it (``...``,
    control characters, commas); then a cleaned key with a short hash, still unique."""
    if not any(bad in project_key for bad in _UNSAFE):
        return project_key
    cleaned = project_key
    for bad in _UNSAFE:
        cleaned = cleaned.replace(bad, " ")
    return f"{' '.join(cleaned.split())}~{hashlib.sha1(project_key.encode()).hexdigest()[:8]}"


def _imported_projects(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return conn.execute(select(projects.c.key).where(
            select(documents.c.id).where(documents.c.project_id == projects.c.id).exists())
            .order_by(projects.c.key)).scalars().all()


def register_projects(instance, engine: Engine) -> list[str]:  # noqa: ANN001 - DagsterInstance
    """Add a ``project`` partition for every project with imported documents that has none yet."""
    existing = set(instance.get_dynamic_partitions(project_partitions.name))
    new = [k for k in map(partition_key, _imported_projects(engine)) if k not in existing]
    if new:
        instance.add_dynamic_partitions(project_partitions.name, new)
    return new


def projects_of(engine: Engine, keys: list[str]) -> list[str]:
    """The project keys behind partition keys."""
    wanted = set(keys)
    return [k for k in _imported_projects(engine) if partition_key(k) in wanted]


class ContentConfig(Config):
    """How a run writes the briefs (unset: the settings)."""

    workers: Optional[int] = None
    sequential: bool = False
    force: bool = False


def content_metadata(report: GenerationReport, generator: str) -> dict:
    failures = "\n".join(f"- {f.describe()}" for f in report.failures[:50])
    if len(report.failures) > 50:
        failures += f"\n- … and {len(report.failures) - 50} more"
    return {
        "dagster/row_count": report.generated + report.refreshed,
        "projects": report.projects, "combinations": report.combinations, "generated": report.generated,
        "refreshed": report.refreshed, "skipped": report.skipped, "failed": report.failed,
        "removed": report.removed, "seconds": round(report.seconds, 3),
        "combinations_per_s": round(report.combinations_per_s, 1), "generator": generator,
        "failures": MetadataValue.md(failures or "none"),
    }


def build_content_assets(automation_running: bool):  # noqa: ANN201 - assets and their sensor
    """The two assets and the automation sensor that refreshes them after imports."""

    @asset(
        group_name="content",
        deps=[AssetDep(AssetKey("imported_batches"), partition_mapping=AllPartitionMapping())],
        # refreshed once imports are over; a batch that failed or was never imported does not hold it back
        automation_condition=AutomationCondition.eager().without(~AutomationCondition.any_deps_missing()),
        description="Robust unit-price statistics (count, median, quartiles, MAD) per normalised designation "
        "and unit across every imported document, with the predicted trade when there is one.",
        kinds={"python", "sql"},
    )
    def price_reference(context: AssetExecutionContext, settings: SettingsResource,
                        warehouse: WarehouseResource) -> MaterializeResult:
        report = refresh_reference(warehouse.engine(), settings.get()["content.reference_min_count"])
        context.log.info(f"{report.references} references from {report.prices} prices "
                         f"({report.usable} with enough prices to judge one) in {report.seconds:.1f}s")
        return MaterializeResult(metadata={
            "dagster/row_count": report.references, "prices": report.prices, "usable_references": report.usable,
            "with_trade": report.with_trade, "seconds": round(report.seconds, 3)})

    @asset(
        group_name="content",
        partitions_def=project_partitions,
        deps=[price_reference],
        backfill_policy=BackfillPolicy.single_run(),
        automation_condition=AutomationCondition.eager(),
        check_specs=[AssetCheckSpec(FAILED_CHECK, asset="pregenerated_content",
                                    description="Every combination of the criteria was written.")],
        description="Per project, one brief per combination of audience × theme × style (36 by default), "
        "skipped when its facts are unchanged; read by the API (dpgf serve).",
        kinds={"python", "sql"},
    )
    def pregenerated_content(context: AssetExecutionContext, config: ContentConfig, settings: SettingsResource,
                             warehouse: WarehouseResource) -> MaterializeResult:
        current = settings.get()
        engine = warehouse.engine()
        keys = projects_of(engine, list(context.partition_keys))
        generator = generator_of(current, api_key=os.environ.get(SPEC_BY_KEY["llm.api_key"].env, ""))

        def progress(done: int, total: int) -> None:
            if done == total or done % 100 == 0:
                context.log.info(f"{done}/{total} projects")

        report = pregenerate(engine, criteria_of(current), generator, project_keys=keys,
                             workers=config.workers or current["content.workers"], sequential=config.sequential,
                             force=config.force, options=facts_options_of(current), on_project=progress)
        context.log.info(report.summary())
        for failure in report.failures:
            context.log.warning(f"brief not written: {failure.describe()}")
        metadata = content_metadata(report, generator.name)
        return MaterializeResult(metadata=metadata, check_results=[AssetCheckResult(
            check_name=FAILED_CHECK, passed=report.failed == 0, severity=AssetCheckSeverity.ERROR,
            metadata={"failed": report.failed, "failures": metadata["failures"]})])

    automation = AutomationConditionSensorDefinition(
        "content_automation", target=[price_reference, pregenerated_content],
        default_status=DefaultSensorStatus.RUNNING if automation_running else DefaultSensorStatus.STOPPED,
        description="Declarative automation: the price reference after imports, then the briefs.")
    return price_reference, pregenerated_content, automation
