"""The platform over the Graph emulator with the real client: inventory, imports and the sensor,
with and without injected faults (10 % 429, 5 % 503, 2 % resets, 1 % truncated bodies)."""

from collections import Counter
from pathlib import Path

from dagster import SensorResult, build_sensor_context, instance_for_test
from sqlalchemy import func, select

from dpgf_assets.definitions import build_definitions
from dpgf_assets.emulator import FaultPlan, GraphEmulator
from dpgf_assets.ingestion.importing import import_batch
from dpgf_assets.ingestion.inventory import take_inventory
from dpgf_assets.settings import load_settings
from dpgf_assets.sources.sharepoint import SharePointConfig, SharePointSource
from dpgf_assets.warehouse import files as store
from dpgf_assets.warehouse.db import open_warehouse
from dpgf_assets.warehouse.schema import documents, line_items, source_files
from dpgf_assets_tests.helpers import good_pricing_files

FAULTS = FaultPlan(throttle=0.10, unavailable=0.05, reset=0.02, truncate=0.01, retry_after=0, seed=11)


def replicated(graph: GraphEmulator, library: Path, copies: int) -> dict[str, int]:
    """Serve ``copies`` copies of the library under numbered folders; return the good files' item counts."""
    truth = {path: len(f["items"]) for path, f in good_pricing_files(library).items()}
    files = sorted(p for p in library.rglob("*") if p.is_file())
    expected = {}
    for i in range(copies):
        for f in files:
            rel = f.relative_to(library).as_posix()
            graph.add_file(f"Copie {i:03d}/{rel}", f.read_bytes())
            if rel in truth:
                expected[f"Copie {i:03d}/{rel}"] = truth[rel]
    return expected


def source_for(graph: GraphEmulator, retries: int = 12) -> SharePointSource:
    return SharePointSource(SharePointConfig.from_env(graph.env(), timeout_seconds=10, retry_count=retries,
                                                      backoff_seconds=0.01, max_backoff_seconds=0.05))


def inventory_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(
            source_files.c.file_id, source_files.c.path, source_files.c.size, source_files.c.etag,
            source_files.c.doc_type, source_files.c.confidence, source_files.c.status)).all())


def test_faults_change_nothing_in_the_inventory_nor_in_an_import_of_a_thousand_files(generated_library, tmp_path):
    settings = load_settings(environ={"DPGF_DOWNLOAD_BATCH_SIZE": "25", "DPGF_DATA_DIR": str(tmp_path)})
    with GraphEmulator(page_size=200) as graph:
        copies = -(-2000 // sum(1 for p in generated_library.rglob("*") if p.is_file()))
        expected = replicated(graph, generated_library, copies)
        assert graph.library and len(expected) >= 1000
        clean = open_warehouse(f"sqlite:///{tmp_path / 'clean.sqlite'}")
        take_inventory(clean, source_for(graph), settings.scanning, settings.download)

        graph.set_faults(FAULTS)
        faulty = open_warehouse(f"sqlite:///{tmp_path / 'faulty.sqlite'}")
        source = source_for(graph)
        report = take_inventory(faulty, source, settings.scanning, settings.download)
        assert report.seen >= 2000
        assert inventory_rows(faulty) == inventory_rows(clean)
        with faulty.connect() as conn:
            keys = store.batch_keys(conn)
        for key in keys:
            import_batch(faulty, source, key, settings.download, settings.batches_dir, 2)
        injected = graph.faults.injected
        assert min(injected[k] for k in ("throttle", "unavailable", "reset", "truncate")) > 0
    with faulty.connect() as conn:
        got = dict(conn.execute(select(documents.c.path, documents.c.item_count)).all())
        n_items = conn.execute(select(func.count()).select_from(line_items)).scalar_one()
        per_doc = Counter(conn.execute(select(line_items.c.document_id)).scalars())
    assert got == expected  # nothing lost, nothing extra
    assert n_items == sum(expected.values())  # nothing duplicated
    assert sum(per_doc.values()) == n_items and len(per_doc) <= len(got)


def test_the_sensor_adds_partitions_and_runs_then_only_what_is_new(generated_library, tmp_path, monkeypatch):
    with GraphEmulator() as graph:
        graph.load_folder(generated_library)
        env = {**graph.env(), "DPGF_SOURCE_KIND": "sharepoint", "DPGF_DATA_DIR": str(tmp_path),
               "DPGF_DOWNLOAD_BATCH_SIZE": "5"}
        for name, value in env.items():  # the SharePoint source reads DPGF_SHAREPOINT_* from the environment
            monkeypatch.setenv(name, value)
        defs = build_definitions(load_settings(environ=env))
        sensor = defs.resolve_sensor_def("sharepoint_new_files")
        with instance_for_test() as instance:
            first = sensor(build_sensor_context(instance=instance, resources=defs.resources))
            assert isinstance(first, SensorResult)
            (request,) = first.dynamic_partitions_requests
            keys = list(request.partition_keys)
            assert len(keys) >= 3
            assert [r.run_key for r in first.run_requests] == keys
            assert [r.partition_key for r in first.run_requests] == keys
            assert first.cursor
            instance.add_dynamic_partitions("import_batch", keys)  # what the daemon does with it

            new_path = "Projets/Nouveau/DPGF Lot 12 Serrurerie.xlsx"
            graph.add_file(new_path, next(p for p in generated_library.rglob("*.xlsx")
                                          if "DPGF" in p.name and p.stat().st_size > 2000).read_bytes())
            second = sensor(build_sensor_context(instance=instance, cursor=first.cursor, resources=defs.resources))
            assert isinstance(second, SensorResult)
            (request,) = second.dynamic_partitions_requests
            assert len(request.partition_keys) == 1 and request.partition_keys[0] not in keys
            assert [r.run_key for r in second.run_requests] == list(request.partition_keys)
            assert second.cursor and second.cursor != first.cursor
            instance.add_dynamic_partitions("import_batch", list(request.partition_keys))
            engine = open_warehouse(f"sqlite:///{tmp_path / 'warehouse.sqlite'}")
            with engine.connect() as conn:
                batch = conn.execute(select(source_files.c.batch_key)
                                     .where(source_files.c.path == new_path)).scalar_one()
            assert batch == request.partition_keys[0]

            third = sensor(build_sensor_context(instance=instance, cursor=second.cursor, resources=defs.resources))
            # nothing new: a skipped tick, whose cursor may still move on with the listing's time
            assert isinstance(third, SensorResult) and third.skip_reason is not None
            assert not third.run_requests and not third.dynamic_partitions_requests
