"""Helpers shared by tests (fixtures live in conftest.py)."""

from pathlib import Path


def good_pricing_files(library: Path) -> dict[str, dict]:
    """Ground truth of what a clean import holds: the manifest's pricing files that are not broken."""
    import json

    from dpgf_assets.corpus import manifest_path

    manifest = json.loads(manifest_path(library).read_text(encoding="utf-8"))
    return {f["path"]: f for f in manifest["files"] if f["doc_type"] != "OTHER" and not f.get("expect_error")}
