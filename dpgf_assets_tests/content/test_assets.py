"""The content group through real Dagster runs: partitions registered by imports, the reference, the
briefs, their check, and the declarative automation that chains them."""

import socket

from dagster import AssetKey, evaluate_automation_conditions, instance_for_test
from sqlalchemy import func, select

from dpgf_assets.assets.content import partition_key, project_partitions
from dpgf_assets.cli.runs import RANGE_END_TAG, RANGE_START_TAG, batches_to_import, run_inventory
from dpgf_assets_tests.helpers import import_in_process
from dpgf_assets.warehouse.db import open_warehouse
from dpgf_assets.warehouse.schema import documents, pregenerated_content, price_reference, projects
from dpgf_assets_tests.assets.test_sharepoint_assets import platform


def content_run(defs, instance, keys, config=None):
    job = defs.resolve_job_def("content_job")
    result = job.execute_in_process(instance=instance, tags={RANGE_START_TAG: keys[0], RANGE_END_TAG: keys[-1]},
                                    run_config={"ops": {"pregenerated_content": {"config": config or {}}}})
    assert result.success
    event = result.asset_materializations_for_node("pregenerated_content")[0]
    check, = result.get_asset_check_evaluations()
    return {k: getattr(v, "value", v) for k, v in event.metadata.items()}, check


def test_imports_register_projects_then_reference_and_briefs_run_and_automation_chains_them(library, tmp_path):
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    settings, defs = platform(library, url, tmp_path)
    with instance_for_test() as instance:
        start = evaluate_automation_conditions(defs=defs, instance=instance)  # the sensor's first tick
        assert start.total_requested == 0
        assert run_inventory(defs, instance, "local").success
        import_in_process(defs, instance, batches_to_import(instance), per_run=50)
        engine = open_warehouse(url)
        with engine.connect() as conn:
            imported = conn.execute(select(projects.c.key).where(
                select(documents.c.id).where(documents.c.project_id == projects.c.id).exists())).scalars().all()
        keys = instance.get_dynamic_partitions(project_partitions.name)
        assert imported and sorted(keys) == sorted(partition_key(k) for k in imported)
        # imports are done: the automation asks for the price reference (and nothing else yet)
        evaluation = evaluate_automation_conditions(defs=defs, instance=instance, cursor=start.cursor)
        assert evaluation.get_requested_partitions(AssetKey("price_reference")) == {None}
        assert evaluation.get_num_requested(AssetKey("pregenerated_content")) == 0
        assert defs.resolve_job_def("price_reference_job").execute_in_process(instance=instance).success
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(price_reference)).scalar_one() > 10
        # the reference is there: the automation asks for every project's briefs
        evaluation = evaluate_automation_conditions(defs=defs, instance=instance, cursor=evaluation.cursor)
        assert evaluation.get_requested_partitions(AssetKey("pregenerated_content")) == set(keys)
        metadata, check = content_run(defs, instance, keys)
        assert (metadata["generated"], metadata["failed"], metadata["projects"]) == (36 * len(keys), 0, len(keys))
        assert check.passed and metadata["generator"].startswith("template:")
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(pregenerated_content)).scalar_one() == 36 * len(keys)
        again, _ = content_run(defs, instance, keys, {"sequential": True})
        assert (again["generated"], again["refreshed"], again["skipped"]) == (0, 0, 36 * len(keys))
        forced, _ = content_run(defs, instance, keys[:1], {"force": True, "workers": 2})
        assert (forced["refreshed"], forced["projects"]) == (36, 1)


def test_the_check_fails_when_combinations_fail(library, tmp_path):
    with socket.socket() as s:  # a port where nothing listens: every request fails at once
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    settings, defs = platform(library, url, tmp_path, DPGF_CONTENT_GENERATOR="llm", DPGF_LLM_MODEL="m",
                              DPGF_LLM_BASE_URL=f"http://127.0.0.1:{dead}/v1", DPGF_LLM_MAX_RETRIES="0",
                              DPGF_CONTENT_THEMES="synthese_financiere", DPGF_CONTENT_STYLES="court")
    with instance_for_test() as instance:
        assert run_inventory(defs, instance, "local").success
        import_in_process(defs, instance, batches_to_import(instance)[:1], per_run=50)
        keys = instance.get_dynamic_partitions(project_partitions.name)
        metadata, check = content_run(defs, instance, keys[:1])
    assert (metadata["combinations"], metadata["failed"], metadata["generated"]) == (4, 4, 0)
    assert not check.passed and "connection failed" in check.metadata["failures"].value


def test_partition_keys_are_safe_and_unique():
    assert partition_key("Projets/2022-001 Médiathèque") == "Projets/2022-001 Médiathèque"
    odd = partition_key("Projets/Lycée, phase 2...")
    assert "," not in odd and "..." not in odd and odd.startswith("Projets/Lycée phase 2~")
    assert partition_key("Projets/Lycée, phase 2...") != partition_key("Projets/Lycée phase 2...")
