"""What the SharePoint source does when Graph throttles, fails, resets, cuts bodies short or stalls."""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from dpgf_assets.emulator import FaultPlan, GraphEmulator
from dpgf_assets.sources.base import SourceError
from dpgf_assets.sources.sharepoint import SharePointConfig, SharePointSource


def test_a_wrong_token_is_a_permanent_error_that_names_no_secret(graph):
    graph.add_file("a.xlsx", b"x")
    env = graph.env() | {"DPGF_SHAREPOINT_TEST_TOKEN": "wrong-token-value"}
    source = SharePointSource(SharePointConfig.from_env(env, retry_count=3))
    with pytest.raises(SourceError) as caught:
        source.list_changes(None)
    assert not caught.value.transient
    assert "401" in str(caught.value) and "DPGF_SHAREPOINT_CLIENT_ID" in str(caught.value)
    assert "wrong-token-value" not in str(caught.value) and "wrong-token-value" not in repr(source)
    assert graph.stats.requests["graph"] == 1  # not retried
    source.close()


def test_429_waits_the_retry_after_it_was_given(graph, make_source):
    graph.add_file("a.xlsx", b"x")
    source = make_source()
    source.list_changes(None)  # site and drive resolved: the next request is a delta page
    graph.set_faults(FaultPlan(retry_after=1))
    graph.faults.script("throttle")
    started = time.monotonic()
    listing = source.list_changes(None)
    waited = time.monotonic() - started
    assert len(listing.files) == 1 and graph.faults.injected["throttle"] == 1
    assert source.retrying.waited == 1.0  # Retry-After: 1, not the 0.01 s backoff of these tests
    assert waited >= 1.0  # and it did wait that long (no upper bound: a loaded machine is slower)
    assert source.retrying.retries == 1


def test_503_and_connection_resets_are_retried(graph, make_source):
    graph.add_file("a.xlsx", b"x")
    source = make_source()
    graph.faults.script("unavailable", "reset", "unavailable")
    assert len(source.list_changes(None).files) == 1
    assert graph.faults.injected["unavailable"] == 2 and graph.faults.injected["reset"] == 1
    assert source.retrying.retries == 3


def test_retries_run_out_into_a_transient_error(graph, make_source):
    graph.add_file("a.xlsx", b"x")
    source = make_source(retry_count=2)
    graph.set_faults(FaultPlan(unavailable=1.0))
    with pytest.raises(SourceError, match="gave up after 3 attempts") as caught:
        source.list_changes(None)
    assert caught.value.transient and graph.stats.requests["graph"] == 3


def test_a_stalled_answer_times_out_and_is_retried(graph, make_source):
    graph.add_file("a.xlsx", b"x")
    source = make_source(timeout_seconds=0.3)
    graph.set_faults(FaultPlan(slow_seconds=1.0))
    graph.faults.script("slow")
    assert len(source.list_changes(None).files) == 1
    assert graph.faults.injected["slow"] == 1 and source.retrying.retries == 1


def test_a_download_cut_short_is_detected_and_resumed(graph, make_source, tmp_path):
    data = bytes(range(256)) * 4000  # 1 MB
    graph.add_file("Lot 01/DPGF.xlsx", data)
    source = make_source()
    file = source.list_changes(None).files[0]
    graph.set_faults(FaultPlan(target="download"))
    graph.faults.script("truncate")  # the first body from the download URL stops halfway
    dest = tmp_path / "out" / "DPGF.xlsx"
    assert source.download(file, dest) == len(data)
    assert dest.read_bytes() == data and graph.faults.injected["truncate"] == 1
    assert list(dest.parent.iterdir()) == [dest]  # no temporary file left behind
    assert source.bytes_read == len(data)  # resumed with a Range request, not downloaded twice


def test_range_reads_cut_short_are_retried(graph, make_source):
    data = bytes(range(256)) * 100
    graph.add_file("x.xlsx", data)
    source = make_source()
    file = source.list_changes(None).files[0]
    graph.set_faults(FaultPlan(target="download"))
    graph.faults.script("truncate", "reset")
    assert source.read_range(file, 1000, 5000) == data[1000:6000]
    assert source.read_range(file, len(data) - 10, 100) == data[-10:]
    assert source.read_range(file, len(data) + 5, 10) == b""


def test_an_expired_download_url_is_resolved_again(graph, make_source, tmp_path):
    graph.add_file("x.xlsx", b"0123456789")
    source = make_source()
    file = source.list_changes(None).files[0]
    assert source.read_range(file, 0, 4) == b"0123"
    url, _ = source._urls[file.file_id]
    source._urls[file.file_id] = (url.replace("exp=", "exp=1"), time.monotonic())  # as if it had expired
    before = graph.stats.requests.copy()
    assert source.read_range(file, 4, 4) == b"4567"
    # the stale URL (401), then item content -> 302 -> the new URL
    assert graph.stats.requests["download"] - before["download"] == 2
    assert graph.stats.requests["graph"] - before["graph"] == 1


def test_a_deleted_file_fails_its_download_permanently(graph, make_source, tmp_path):
    graph.add_file("x.xlsx", b"0123456789")
    source = make_source()
    file = source.list_changes(None).files[0]
    graph.delete("x.xlsx")
    with pytest.raises(SourceError, match="no longer exists") as caught:
        source.download(file, tmp_path / "x.xlsx")
    assert not caught.value.transient and not (tmp_path / "x.xlsx").exists()


def _library(graph: GraphEmulator) -> dict[str, str]:
    """2,000 files in 400 folders; returns the SHA-256 of each file's content by path."""
    expected = {}
    for i in range(2000):
        body = hashlib.sha256(str(i).encode()).digest() * (1 + i % 40)
        path = f"Client {i % 8}/Projet {i % 50:02d}/{'DPGF' if i % 5 == 0 else 'doc'} {i:04d}.xlsx"
        graph.add_file(path, body)
        expected[path] = hashlib.sha256(body).hexdigest()
    return expected


def test_with_faults_injected_the_result_is_exactly_the_fault_free_one(graph, make_source, tmp_path):
    contents = _library(graph)
    clean = {f.path: (f.file_id, f.etag, f.size) for f in make_source(page_size=100).list_changes(None).files}
    assert len(clean) == 2000
    graph.set_faults(FaultPlan(throttle=0.10, unavailable=0.05, reset=0.02, truncate=0.01,
                               retry_after=0, seed=7))
    source = make_source(page_size=100, retry_count=10)
    listing = source.list_changes(None)
    assert {f.path: (f.file_id, f.etag, f.size) for f in listing.files} == clean

    def fetch(f):  # noqa: ANN001, ANN202
        dest = tmp_path / f.file_id
        assert source.download(f, dest) == f.size
        return f.path, hashlib.sha256(dest.read_bytes()).hexdigest()

    with ThreadPoolExecutor(8) as pool:
        assert dict(pool.map(fetch, listing.files)) == contents
    injected = graph.faults.injected
    assert injected["throttle"] > 300 and injected["unavailable"] > 150 and injected["reset"] > 50
    assert injected["truncate"] > 10 and source.retrying.retries == sum(injected.values())


def test_a_file_that_changes_during_a_resumed_download_is_fetched_again_whole(graph, make_source, tmp_path):
    graph.add_file("x.xlsx", b"a" * 300_000)
    source = make_source()
    file = source.list_changes(None).files[0]
    graph.set_faults(FaultPlan(target="download"))
    graph.faults.script("truncate")
    # between the cut and the resume, someone saves a new version
    source.retrying.sleep = lambda seconds: graph.change_file("x.xlsx", b"b" * 200_000)
    assert source.download(file, tmp_path / "x.xlsx") == 200_000
    assert (tmp_path / "x.xlsx").read_bytes() == b"b" * 200_000


def test_a_full_listing_whose_enumeration_expires_midway_starts_again(graph, make_source):
    for i in range(50):
        graph.add_file(f"f{i:02d}.pdf", b"x")
    source = make_source(page_size=10)
    fetch, calls = source._lister.fetch, []

    def fetch_then_expire(url, headers):  # noqa: ANN001, ANN202
        calls.append(url)
        answer = fetch(url, headers)
        if len(calls) == 2:
            graph.expire_delta_tokens()  # the server forgets the enumeration after its second page
        return answer

    source._lister.fetch = fetch_then_expire
    listing = source.list_changes(None)
    assert listing.complete and len(listing.files) == 50
    assert sum("token=" not in url for url in calls) == 2  # the enumeration was started twice
