from dataclasses import asdict
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from dpgf_assets.parsing.model import LineItem, ParsedDocument, Section, Table, Total
from dpgf_assets.warehouse.documents import FileVersion, project_of, replace_document
from dpgf_assets.warehouse.schema import documents, line_items, projects, sections


def parsed(n_items: int, price: float = 10.0) -> ParsedDocument:
    doc = ParsedDocument(file="P/DCE/DPGF lot 2.xlsx", doc_type="DPGF", confidence=0.9, reasons=["name"],
                         lot_code="02", lot_name="Gros œuvre", tables=[Table("LOT 02", 9)])
    doc.sections = [Section("LOT 02", 10, "1", "TERRASSEMENTS", 1, None),
                    Section("LOT 02", 11, "1.1", "Fouilles", 2, "1", parent_row=10)]
    doc.items = [LineItem("LOT 02", 12 + i, f"1.1.{i + 1}", f"Fouille {i}\tpleine masse\nen rigole \\ bis", "m3",
                          "M3", 2.0 + i, price, (2.0 + i) * price, "article", "1.1", section_row=11)
                 for i in range(n_items)]
    doc.totals = [Total("LOT 02", 12 + n_items, "TOTAL HT", "total_ht", 1.0)]
    return doc


VERSION = FileVersion("local", "f1", "etag-1", "P/DCE/DPGF lot 2.xlsx", "P", "P")


def counts(engine):
    with engine.connect() as conn:
        return (conn.execute(select(func.count()).select_from(documents)).scalar_one(),
                conn.execute(select(func.count()).select_from(sections)).scalar_one(),
                conn.execute(select(func.count()).select_from(line_items)).scalar_one())


def test_reimport_replaces_and_never_duplicates(engine):
    replace_document(engine, VERSION, parsed(5))
    replace_document(engine, VERSION, parsed(5))
    assert counts(engine) == (1, 2, 5)
    new_id = replace_document(engine, FileVersion("local", "f1", "etag-2", VERSION.path, "P", "P"), parsed(3, 99.0))
    assert counts(engine) == (1, 2, 3)
    with engine.connect() as conn:
        rows = conn.execute(select(line_items).order_by(line_items.c.position)).all()
        doc = conn.execute(select(documents)).one()
        assert conn.execute(select(func.count()).select_from(projects)).scalar_one() == 1
    assert doc.id == new_id and doc.etag == "etag-2" and doc.item_count == 3
    assert [r.unit_price for r in rows] == [99.0] * 3
    # text with tabs, newlines and backslashes survives the bulk path exactly
    assert rows[0].designation == "Fouille 0\tpleine masse\nen rigole \\ bis"
    # hierarchy by position: items under 1.1 (position 1), 1.1 under 1 (position 0)
    assert {r.section_position for r in rows} == {1}
    with engine.connect() as conn:
        secs = conn.execute(select(sections).order_by(sections.c.position)).all()
    assert [s.parent_position for s in secs] == [None, 0]


def test_a_failure_midway_leaves_the_previous_version_intact(engine):
    replace_document(engine, VERSION, parsed(4))
    broken = parsed(6)
    # kind NOT NULL: the insert fails after the delete (a stand-in item, as LineItem refuses None)
    broken.items[5] = SimpleNamespace(**{**asdict(broken.items[5]), "kind": None})
    with pytest.raises(Exception):
        replace_document(engine, FileVersion("local", "f1", "etag-2", VERSION.path, "P", "P"), broken)
    assert counts(engine) == (1, 2, 4)
    with engine.connect() as conn:
        assert conn.execute(select(documents.c.etag)).scalar_one() == "etag-1"


def test_duplicated_codes_and_uncoded_chapters_link_by_row(engine):
    doc = parsed(0)
    doc.sections.append(Section("LOT 02", 20, "1.1", "Fouilles (suite)", 2, "1", parent_row=10))
    doc.sections.append(Section("LOT 02", 22, None, "OPTIONS", 1, None))
    doc.items = [LineItem("LOT 02", 21, None, "Remblai", "m3", "m3", 1.0, 2.0, 2.0, "article", "1.1", section_row=20),
                 LineItem("LOT 02", 23, None, "Clôture", "ml", "ml", 1.0, 2.0, 2.0, "option", None, section_row=22)]
    replace_document(engine, VERSION, doc)
    with engine.connect() as conn:
        positions = conn.execute(select(line_items.c.section_position).order_by(line_items.c.position)).scalars()
        assert list(positions) == [2, 3]


def test_project_comes_from_the_leading_folders():
    assert project_of("2024-017 Ecole/DCE/DPGF.xlsx", 1) == ("2024-017 Ecole", "2024-017 Ecole")
    assert project_of("Projets/2024-017 Ecole/DCE/DPGF.xlsx", 2) == ("Projets/2024-017 Ecole", "2024-017 Ecole")
    assert project_of("DPGF.xlsx", 1) == ("(racine)", "(racine)")


def test_the_document_row_and_the_files_mark_are_written_together(engine):
    from datetime import datetime, timezone

    from dpgf_assets.warehouse.schema import source_files

    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        conn.execute(source_files.insert().values(source="local", file_id="f1", path=VERSION.path, name="x.xlsx",
                                                  size=1, etag="etag-1", status="queued", first_seen=now,
                                                  last_seen=now))
    doc = parsed(2)
    doc.warnings = ["LOT 02 row 13: code 1.1.2 already used at row 12"]
    replace_document(engine, VERSION, doc)
    with engine.connect() as conn:
        row = conn.execute(select(documents)).one()
        mark = conn.execute(select(source_files.c.status, source_files.c.imported_etag)).one()
    assert (row.doc_type, row.lot_code, row.lot_name, row.item_count) == ("DPGF", "02", "Gros œuvre", 2)
    assert row.sheets == ["LOT 02"] and row.warnings == doc.warnings
    assert row.declared_totals == [{"sheet": "LOT 02", "row": 14, "label": "TOTAL HT", "kind": "total_ht",
                                    "amount": 1.0}]
    assert row.imported_at is not None and tuple(mark) == ("imported", "etag-1")


def test_price_components_notes_and_the_lot_as_written_are_kept(engine):
    doc = parsed(2)
    doc.lot_code, doc.lot_written = "07.2", "7.2"
    doc.notes = ["Notice de remplissage :\n1) Les prix sont hors taxes\n2) Ne pas modifier le cadre"]
    doc.items[0].prices = {"P.U. fourniture": 12.5, "Temps unitaire (h)": 0.75, "Taux horaire nuit": 61.0}
    replace_document(engine, VERSION, doc)
    with engine.connect() as conn:
        rows = conn.execute(select(line_items.c.prices).order_by(line_items.c.position)).scalars().all()
        row = conn.execute(select(documents.c.notes, documents.c.lot_code, documents.c.lot_code_written)).one()
    assert rows == [{"P.U. fourniture": 12.5, "Temps unitaire (h)": 0.75, "Taux horaire nuit": 61.0}, None]
    assert row.notes == doc.notes and (row.lot_code, row.lot_code_written) == ("07.2", "7.2")
