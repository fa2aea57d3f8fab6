"""Listing a library through the delta feed: full, incremental, expired tokens, folders, scope."""

from __future__ import annotations

import json

import pytest

from dpgf_assets.emulator import GraphEmulator
from dpgf_assets.sources.base import FileSource, SourceError


def fill(graph: GraphEmulator, files: int, folders: int, prefix: str = "Projets") -> dict[str, bytes]:
    content = {}
    for i in range(files):
        path = f"{prefix}/Projet {i % folders:03d}/DCE/fichier {i:05d}.{'xlsx' if i % 7 == 0 else 'pdf'}"
        content[path] = f"contenu {i}".encode()
        graph.add_file(path, content[path])
    return content


def test_full_listing_pages_through_the_whole_library(graph, make_source):
    expected = fill(graph, 1234, 40)
    source = make_source(page_size=100)
    assert isinstance(source, FileSource)
    listing = source.list_changes(None)
    assert listing.complete and listing.deleted_ids == []
    assert sorted(f.path for f in listing.files) == sorted(expected)
    assert {f.size for f in listing.files if f.path.endswith("00000.xlsx")} == {len(b"contenu 0")}
    assert all(f.etag.startswith('"{') and f.modified.tzinfo is not None for f in listing.files)
    items = 1234 + 40 * 2 + 1 + 1  # files, project and DCE folders, "Projets", root
    pages = -(-items // 100)
    assert graph.stats.requests["graph"] == source.graph_requests == 3 + pages  # site, drives, root + pages
    assert json.loads(listing.cursor)["delta"].startswith("https://graph.microsoft.com/v1.0/drives/")


def test_incremental_sync_reports_new_changed_deleted_and_moved_files(graph, make_source):
    fill(graph, 60, 6)
    source = make_source()
    first = source.list_changes(None)
    by_path = {f.path: f for f in first.files}
    unchanged_cursor = source.list_changes(first.cursor)
    assert unchanged_cursor.files == [] and unchanged_cursor.deleted_ids == []
    assert not unchanged_cursor.complete

    graph.add_file("Projets/Projet 999/DPGF nouveau.xlsx", b"new")
    graph.change_file("Projets/Projet 001/DCE/fichier 00001.pdf", b"changed content")
    graph.delete("Projets/Projet 002/DCE/fichier 00002.pdf")
    graph.rename("Projets/Projet 003/DCE/fichier 00003.pdf", "Projets/Projet 004/fichier déplacé.pdf")
    second = source.list_changes(first.cursor)
    assert not second.complete
    got = {f.path: f for f in second.files}
    assert set(got) == {"Projets/Projet 999/DPGF nouveau.xlsx", "Projets/Projet 001/DCE/fichier 00001.pdf",
                        "Projets/Projet 004/fichier déplacé.pdf"}
    changed = got["Projets/Projet 001/DCE/fichier 00001.pdf"]
    old = by_path["Projets/Projet 001/DCE/fichier 00001.pdf"]
    assert changed.file_id == old.file_id and changed.etag != old.etag
    assert changed.size == len(b"changed content")
    moved = got["Projets/Projet 004/fichier déplacé.pdf"]
    assert moved.file_id == by_path["Projets/Projet 003/DCE/fichier 00003.pdf"].file_id
    assert by_path["Projets/Projet 002/DCE/fichier 00002.pdf"].file_id in second.deleted_ids

    third = source.list_changes(second.cursor)  # the new cursor starts after these changes
    assert third.files == [] and third.deleted_ids == []


def test_a_renamed_folder_brings_its_files_back_with_their_new_paths(graph, make_source):
    fill(graph, 30, 3)
    source = make_source()
    first = source.list_changes(None)
    ids = {f.path: f.file_id for f in first.files}
    graph.rename("Projets/Projet 001", "Projets/Projet 001 - archivé")
    second = source.list_changes(first.cursor)
    renamed = {f.path: f.file_id for f in second.files}
    expected = {p.replace("Projet 001/", "Projet 001 - archivé/"): i
                for p, i in ids.items() if "Projet 001/" in p}
    assert renamed == expected and len(expected) == 10


def test_a_fresh_process_resumes_from_the_cursor_alone(graph, make_source):
    fill(graph, 20, 2)
    cursor = make_source().list_changes(None).cursor
    graph.add_file("Projets/Projet 000/DCE/ajout.xlsx", b"x")
    listing = make_source().list_changes(cursor)  # knows no folder: looks the parents up by id
    assert [f.path for f in listing.files] == ["Projets/Projet 000/DCE/ajout.xlsx"]


def test_an_expired_delta_token_falls_back_to_a_full_listing(graph, make_source):
    fill(graph, 50, 5)
    source = make_source()
    first = source.list_changes(None)
    graph.expire_delta_tokens()
    graph.add_file("Projets/Projet 000/après expiration.xlsx", b"late")
    again = source.list_changes(first.cursor)
    assert again.complete
    assert len(again.files) == 51
    assert "Projets/Projet 000/après expiration.xlsx" in {f.path for f in again.files}
    assert json.loads(again.cursor)["delta"] != json.loads(first.cursor)["delta"]


def test_a_configured_folder_scopes_paths_and_reports_files_that_leave_it(graph, make_source):
    fill(graph, 20, 2, prefix="Projets")
    fill(graph, 10, 1, prefix="Administratif")
    source = make_source(folder="/Projets/")
    first = source.list_changes(None)
    assert len(first.files) == 20 and all(f.path.startswith("Projet 00") for f in first.files)
    leaving = next(f for f in first.files if f.path.endswith("00001.pdf"))
    graph.rename("Projets/Projet 001/DCE/fichier 00001.pdf", "Administratif/fichier 00001.pdf")
    graph.add_file("Administratif/hors périmètre.xlsx", b"x")
    second = source.list_changes(first.cursor)
    assert second.files == [] and leaving.file_id in second.deleted_ids


def test_a_cursor_for_another_folder_is_not_trusted(graph, make_source):
    fill(graph, 10, 2, prefix="A")
    fill(graph, 10, 2, prefix="B")
    cursor_a = make_source(folder="A").list_changes(None).cursor
    listing = make_source(folder="B").list_changes(cursor_a)
    assert listing.complete and len(listing.files) == 10
    assert make_source(folder="B").list_changes("not json").complete


def test_paths_given_by_graph_agree_with_paths_rebuilt_from_ids(make_source, graph):
    fill(graph, 30, 3)
    rebuilt = sorted((f.file_id, f.path) for f in make_source().list_changes(None).files)
    graph.delta_paths = True  # some tenants send parentReference.path in delta: the result is the same
    given = sorted((f.file_id, f.path) for f in make_source().list_changes(None).files)
    assert rebuilt == given


def test_library_and_folder_errors_name_what_to_fix(graph, make_source):
    fill(graph, 3, 1)
    with pytest.raises(SourceError, match="DPGF_SHAREPOINT_FOLDER") as missing:
        make_source(folder="Nulle part").list_changes(None)
    assert not missing.value.transient
    from dpgf_assets.sources.sharepoint import SharePointConfig, SharePointSource

    env = graph.env() | {"DPGF_SHAREPOINT_LIBRARY": "Archives"}
    source = SharePointSource(SharePointConfig.from_env(env))
    with pytest.raises(SourceError, match="Documents, Site Assets"):
        source.list_changes(None)
    source.close()


def test_check_connection_lists_the_first_items(graph):
    from dpgf_assets.sources.sharepoint import SharePointConfig, check_connection

    fill(graph, 5, 2)
    graph.add_file("Projets/lisez-moi.txt", b"hello")
    config = SharePointConfig.from_env(graph.env("Projets"))
    assert check_connection(config, limit=10) == ["lisez-moi.txt", "Projet 000/", "Projet 001/"]
