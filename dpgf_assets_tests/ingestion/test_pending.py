"""A transient failure while peeking is no verdict: the file stays pending with its error and the next
inventory recognises it from its content, though its name says nothing."""

from sqlalchemy import select

from dpgf_assets.emulator import FaultPlan, GraphEmulator
from dpgf_assets.ingestion.inventory import take_inventory
from dpgf_assets.settings import load_settings
from dpgf_assets.sources.sharepoint import SharePointConfig, SharePointSource
from dpgf_assets.warehouse.schema import import_errors, source_files
from dpgf_assets_tests.parsing.books import dpgf_rows, write

NAME = "Projets/Ecole/Pieces marche 04.xlsx"  # no type keyword: only its content says DPGF


def status(engine):
    with engine.connect() as conn:
        return conn.execute(select(source_files.c.status, source_files.c.doc_type)
                            .where(source_files.c.path == NAME)).one()


def test_a_file_whose_peek_fails_is_pending_then_recognised_by_the_next_inventory(engine, tmp_path):
    s = load_settings(environ={"DPGF_DATA_DIR": str(tmp_path)})
    with GraphEmulator() as graph:
        graph.add_file(NAME, write(tmp_path, "book", {"LOT 04": dpgf_rows()}).read_bytes())
        source = SharePointSource(SharePointConfig.from_env(graph.env(), timeout_seconds=5, retry_count=1,
                                                            backoff_seconds=0.01, max_backoff_seconds=0.02))
        graph.set_faults(FaultPlan(unavailable=1.0, retry_after=0, target="download"))
        first = take_inventory(engine, source, s.scanning, s.download)
        assert [path for path, _ in first.pending] == [NAME] and first.files_queued == 0
        assert status(engine) == ("pending", None)
        with engine.connect() as conn:
            assert conn.execute(select(import_errors.c.stage).where(import_errors.c.path == NAME)).scalars().all() \
                == ["peek"]
        graph.set_faults(FaultPlan())
        second = take_inventory(engine, source, s.scanning, s.download)  # the listing has nothing new
        assert second.pending == [] and second.files_queued == 1
        assert status(engine) == ("queued", "DPGF")
        source.close()
