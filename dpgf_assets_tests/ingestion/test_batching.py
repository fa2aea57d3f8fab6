from datetime import datetime

from dpgf_assets.ingestion.batching import Candidate, batch_key, plan_batches, select_candidates

WHEN = datetime(2026, 11, 21)
MB = 1024 * 1024


def cand(i, size_mb=1.0, conf=0.9):
    return Candidate("local", f"id{i}", f"e{i}", int(size_mb * MB), conf, f"p/{i:03d}.xlsx")


def test_batches_respect_count_and_size_and_a_large_file_goes_alone():
    files = [cand(0, 1), cand(1, 1), cand(2, 1), cand(3, 30), cand(4, 1), cand(5, 1)]
    planned = plan_batches(files, batch_size=2, max_batch_mb=10, when=WHEN)
    assert [[f.file_id for f in b.files] for b in planned] == [["id0", "id1"], ["id2"], ["id3"], ["id4", "id5"]]
    assert all(len(b.files) <= 2 for b in planned)


def test_most_confident_first_threshold_and_cap():
    files = [cand(0, conf=0.6), cand(1, conf=0.95), cand(2, conf=0.3), cand(3, conf=0.8)]
    chosen = select_candidates(files, min_confidence=0.5, max_files=2)
    assert [c.file_id for c in chosen] == ["id1", "id3"]
    assert len(select_candidates(files, min_confidence=0.5, max_files=0)) == 3


def test_keys_name_exactly_the_file_versions():
    a = [cand(0), cand(1)]
    assert batch_key(a, WHEN) == batch_key(list(reversed(a)), WHEN)
    changed = [cand(0), Candidate("local", "id1", "other-etag", MB, 0.9, "p/001.xlsx")]
    assert batch_key(changed, WHEN) != batch_key(a, WHEN)
    assert "," not in batch_key(a, WHEN) and "..." not in batch_key(a, WHEN)
