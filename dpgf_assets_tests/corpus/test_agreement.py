"""What the parser reads from a generated library is exactly what the manifest says is there."""

import pytest

from dpgf_assets.corpus.scoring import Score, parsed_view, same_lot, score_file
from dpgf_assets.parsing import ParseError, parse_workbook
from dpgf_assets.parsing.peek import peek_file
from dpgf_assets.parsing.recognition import SPREADSHEET_EXTENSIONS, recognise

REASON_OF = {"corrupt": "damaged", "truncated": "truncated", "empty": "empty", "encrypted": "password-protected",
             "no_table": "no price table found"}
ITEM_KEYS = ("row", "code", "designation", "unit", "unit_raw", "quantity", "unit_price", "total", "kind", "section_code",
             "section_row", "prices")


@pytest.fixture(scope="module")
def readings(library):
    """(document view, doc type, error reason) per path, for every file of the library."""
    root, manifest = library
    out = {}
    for entry in manifest["files"]:
        path, local = entry["path"], root / entry["path"]
        if local.suffix.lower() not in SPREADSHEET_EXTENSIONS:
            out[path] = (None, recognise(path).doc_type, None)
            continue
        try:
            doc = parse_workbook(local, source_path=path)
            out[path] = (parsed_view(doc), doc.doc_type, None)
        except ParseError as exc:
            assert exc.file == path
            try:
                doc_type = recognise(path, peek_file(local)).doc_type
            except ParseError:
                doc_type = recognise(path).doc_type
            out[path] = (None, doc_type, exc.reason)
    return out


def pricing(manifest):
    return [e for e in manifest["files"] if e["doc_type"] != "OTHER" and not e["expect_error"]]


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(a - b) <= 0.005
    return a == b


def test_items_sections_and_totals_exactly_as_written(library, readings):
    _, manifest = library
    for entry in pricing(manifest):
        view, _, error = readings[entry["path"]]
        assert error is None, f"{entry['path']}: {error}"
        found = {(i["sheet"], i["row"]): i for i in view["items"]}
        assert set(found) == {(i["sheet"], i["row"]) for i in entry["items"]}, entry["path"]
        for truth in entry["items"]:
            item = found[(truth["sheet"], truth["row"])]
            wrong = [k for k in ITEM_KEYS if not same(truth[k], item[k])]
            assert not wrong, (entry["path"], truth["row"], [(k, truth[k], item[k]) for k in wrong])
        assert [(s["sheet"], s["row"], s["code"], s["title"], s["level"], s["parent_code"]) for s in view["sections"]] == \
            [(s["sheet"], s["row"], s["code"], s["title"], s["level"], s["parent_code"]) for s in entry["sections"]], \
            entry["path"]
        totals = [(t["sheet"], t["row"], t["label"], t["kind"]) for t in view["totals"]]
        assert totals == [(t["sheet"], t["row"], t["label"], t["kind"]) for t in entry["totals"]], entry["path"]
        assert all(same(a["amount"], b["amount"]) for a, b in zip(view["totals"], entry["totals"])), entry["path"]
        assert same_lot(entry["lot"], view["lot"]), (entry["path"], entry["lot"], view["lot"])
        assert view["notes"] == entry["notes"], entry["path"]


def test_section_descriptions_and_parent_rows(library):
    root, manifest = library
    for entry in pricing(manifest):
        doc = parse_workbook(root / entry["path"], source_path=entry["path"])
        assert [(s.description, s.parent_row) for s in doc.sections] == \
            [(s["description"], s["parent_row"]) for s in entry["sections"]], entry["path"]


def test_no_total_row_is_ever_an_item(library, readings):
    _, manifest = library
    for entry in pricing(manifest):
        items = {(i["sheet"], i["row"]) for i in readings[entry["path"]][0]["items"]}
        assert not items & {(t["sheet"], t["row"]) for t in entry["totals"]}


def test_doc_types_of_every_file_distractors_included(library, readings):
    _, manifest = library
    wrong = [(e["path"], e["doc_type"], readings[e["path"]][1]) for e in manifest["files"]
             if readings[e["path"]][1] != e["doc_type"]]
    assert wrong == []


def test_bad_files_refused_with_their_reason(library, readings):
    _, manifest = library
    bad = [e for e in manifest["files"] if e["expect_error"]]
    assert bad
    for entry in bad:
        _, _, reason = readings[entry["path"]]
        assert reason is not None and REASON_OF[entry["expect_error"]] in reason, (entry["path"], reason)


def test_the_shared_scoring_agrees(library, readings):
    _, manifest = library
    total = Score()
    for entry in manifest["files"]:
        view, doc_type, error = readings[entry["path"]]
        total.add(score_file(entry, view, doc_type, error))
    assert (total.precision, total.recall, total.field_accuracy) == (1.0, 1.0, 1.0), total.mistakes[:5]
    assert total.doc_types_right == total.files == len(manifest["files"])
    assert total.totals_as_items == 0 and total.errors_right == total.errors_expected > 0
    assert total.matched_items > 500
    assert total.matched_notes == total.true_notes == total.found_notes > 0


def test_the_layouts_of_real_tenders_are_in_the_library_and_scored(library):
    """Multi-price schedules, prorata and adjustment lines, lettered lot codes, notices (issue 15)."""
    _, manifest = library
    entries = pricing(manifest)
    assert {"multi_price", "adjustments", "notices", "lot_codes"} <= {e["layout"] for e in entries}
    assert any(len(i["prices"]) >= 3 for e in entries for i in e["items"])
    assert any(t["kind"] == "prorata" for e in entries for t in e["totals"])
    assert any(e["notes"] for e in entries if e["layout"] == "notices")
