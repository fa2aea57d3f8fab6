"""A small generated library shared by the corpus tests (written once per module)."""

import json

import pytest

from dpgf_assets.corpus import generate_library, manifest_path

FILES = 60
SEED = 14  # a draw with every item kind, total kind, layout, format and bad-file class


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus") / "library"
    manifest = generate_library(root, files=FILES, seed=SEED)
    return root, manifest


@pytest.fixture(scope="module")
def manifest_on_disk(library):
    root, _ = library
    return json.loads(manifest_path(root).read_text(encoding="utf-8"))
