"""Helpers shared by tests (fixtures live in conftest.py)."""

from pathlib import Path


def good_pricing_files(library: Path) -> dict[str, dict]:
    """Ground truth of what a clean import holds: the manifest's pricing files that are not broken."""
    import json

    from dpgf_assets.corpus import manifest_path

    manifest = json.loads(manifest_path(library).read_text(encoding="utf-8"))
    return {f["path"]: f for f in manifest["files"] if f["doc_type"] != "OTHER" and not f.get("expect_error")}


def import_in_process(defs, instance, keys: list[str], per_run: int) -> list[bool]:  # noqa: ANN001
    """Materialise ``keys`` in this process, ``per_run`` consecutive batches per run (as a backfill's
    runs cover key ranges): the quick way for a test to put partitions in a state; the command line's
    own path (a backfill run by the daemon) is tested end to end."""
    job = defs.resolve_job_def("import_job")
    outcomes = []
    for start in range(0, len(keys), per_run):
        group = keys[start:start + per_run]
        tags = {"dagster/asset_partition_range_start": group[0], "dagster/asset_partition_range_end": group[-1]}
        outcomes.append(job.execute_in_process(instance=instance, tags=tags, raise_on_error=False).success)
    return outcomes
