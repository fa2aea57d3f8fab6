"""The sample-corpus generator: a SharePoint-like library, deterministic, with a ground-truth manifest."""

import hashlib
from pathlib import Path

from dpgf_assets.corpus import generate_library, manifest_path
from dpgf_assets.corpus.documents import DPGF_LAYOUTS

from .conftest import FILES, SEED

FORMATS = {"xlsx", "xlsm", "xls", "xls.xlsx", "ods", "csv-utf8", "csv-latin1", "docx", "pdf"}
BAD = {"corrupt", "truncated", "empty", "encrypted", "no_table"}


def digests(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*"))
            if p.is_file()}


def test_manifest_beside_the_library_and_returned(library, manifest_on_disk):
    root, manifest = library
    assert manifest_path(root) == root.parent / "library.manifest.json"
    assert not any(p.name.endswith(".manifest.json") for p in root.rglob("*"))
    assert manifest_on_disk == manifest and manifest["seed"] == SEED


def test_every_file_listed_laid_out_like_a_sharepoint_library(library):
    root, manifest = library
    paths = [f["path"] for f in manifest["files"]]
    assert len(paths) == FILES == len(set(paths))
    assert sorted(paths) == sorted(digests(root))
    for path in paths:
        parts = path.split("/")
        assert parts[0] == "Projets" and len(parts) >= 4 and "\\" not in path
    folders = {"/".join(p.split("/")[2:-1]) for p in paths}
    assert {"DCE", "Pièces écrites"} & folders and any(f.startswith("Offres/") for f in folders)


def test_every_layout_format_and_bad_file_class_is_there(library):
    _, manifest = library
    files = manifest["files"]
    assert set(DPGF_LAYOUTS) | {"bpu", "multi_price", "dqe"} <= {f["layout"] for f in files}
    assert {f["format"] for f in files} == FORMATS
    assert {f["expect_error"] for f in files} - {None} == BAD
    assert {f["doc_type"] for f in files} == {"DPGF", "BPU", "DQE", "OTHER"}
    kinds = {i["kind"] for f in files for i in f["items"]}
    assert kinds == {"article", "pm", "included", "option", "variant"}
    assert {t["kind"] for f in files for t in f["totals"]} == {"subtotal", "total_ht", "tva", "ttc", "prorata",
                                                                       "adjustment", "recap"}


def test_manifest_entries_have_the_documented_fields(library):
    _, manifest = library
    for entry in manifest["files"]:
        assert {"path", "doc_type", "format", "layout", "lot", "expect_error", "sections", "items", "totals",
                "notes"} <= set(entry)
        # the code as written is stated where the layout makes a point of it (lettered lot codes)
        assert set(entry["lot"]) in ({"code", "name"}, {"code", "name", "written"})
        for section in entry["sections"]:
            assert {"sheet", "row", "code", "title", "level", "parent_code"} <= set(section)
        for item in entry["items"]:
            assert {"sheet", "row", "code", "designation", "unit", "quantity", "unit_price", "total", "kind",
                    "section_code", "prices"} <= set(item)
        for total in entry["totals"]:
            assert {"sheet", "row", "label", "kind", "amount"} == set(total)
        if entry["doc_type"] == "OTHER" or entry["expect_error"]:
            assert entry["items"] == []


def test_same_seed_same_bytes_and_manifest(tmp_path):
    first = generate_library(tmp_path / "a" / "lib", files=30, seed=5)
    second = generate_library(tmp_path / "b" / "lib", files=30, seed=5)
    assert first == second
    assert digests(tmp_path / "a" / "lib") == digests(tmp_path / "b" / "lib")
    assert manifest_path(tmp_path / "a" / "lib").read_bytes() == manifest_path(tmp_path / "b" / "lib").read_bytes()
    other = generate_library(tmp_path / "c" / "lib", files=30, seed=6)
    assert other["files"] != first["files"]


def test_size_follows_the_request(tmp_path):
    assert len(generate_library(tmp_path / "small", files=5, seed=1)["files"]) == 5
    assert len(generate_library(tmp_path / "more", files=130, seed=1)["files"]) == 130
