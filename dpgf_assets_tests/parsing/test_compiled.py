"""The compiled parser: used when current, never when stale, and reading every workbook as the sources do."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Iterator

import pytest

from dpgf_assets import compiled
from dpgf_assets.corpus import generate_library
from dpgf_assets.recognition import SPREADSHEET_EXTENSIONS

# Parses the files named on stdin and prints one JSON line per file (document or refusal).
PARSE_ALL = """
import json, sys
from dpgf_assets import compiled
from dpgf_assets.parsing import ParseError, parse_workbook
root = sys.argv[1]
print(json.dumps({"compiled": compiled.active()}))
for path in sys.stdin.read().split("\\n"):
    try:
        out = parse_workbook(f"{root}/{path}", source_path=path).to_json()
    except ParseError as exc:
        out = {"refused": exc.reason}
    print(json.dumps(out, sort_keys=True))
"""


def _can_compile() -> bool:
    include = Path(sysconfig.get_paths()["include"]) / "Python.h"
    return include.is_file() and shutil.which("cc") is not None


def _parse_all(root: Path, paths: list[str], pure: bool) -> tuple[bool, list[str]]:
    env = {k: v for k, v in os.environ.items() if k != compiled.DISABLE_ENV}
    if pure:
        env[compiled.DISABLE_ENV] = "1"
    done = subprocess.run([sys.executable, "-c", PARSE_ALL, str(root)], input="\n".join(paths), env=env,
                          capture_output=True, text=True, timeout=300, check=True)
    first, *documents = done.stdout.splitlines()
    return json.loads(first)["compiled"], documents


def test_where_a_c_compiler_exists_the_parser_in_use_is_the_compiled_one() -> None:
    if not _can_compile():
        pytest.skip("no C compiler or Python headers here: the parser runs from its sources")
    if os.environ.get(compiled.DISABLE_ENV):
        pytest.skip(f"{compiled.DISABLE_ENV} is set: the Python sources run by request")
    assert compiled.is_current(), \
        "the compiled parser is missing or older than its sources: run ./dev.sh test"
    assert compiled.active()


def test_the_compiled_parser_reads_every_workbook_exactly_as_the_sources_do(tmp_path: Path) -> None:
    if not compiled.is_current():
        pytest.skip("no current compiled parser in this environment (see the test above)")
    root = tmp_path / "library"
    manifest = generate_library(root, files=160, seed=31)
    paths = [e["path"] for e in manifest["files"] if Path(e["path"]).suffix.lower() in SPREADSHEET_EXTENSIONS]
    fast, fast_documents = _parse_all(root, paths, pure=False)
    pure, pure_documents = _parse_all(root, paths, pure=True)
    assert (fast, pure) == (True, False)
    assert len(fast_documents) == len(paths) > 140
    assert sum('"refused"' in d for d in fast_documents) >= 5  # bad files take the same path too
    for path, a, b in zip(paths, fast_documents, pure_documents):
        assert a == b, path


def _fake_build(tmp_path: Path, sources: dict[str, str]) -> Path:
    build = tmp_path / "dpgf-compiled"
    (build / "dpgf_assets" / "parsing").mkdir(parents=True)
    (build / compiled.MANIFEST).write_text(json.dumps({"abi": compiled.abi(), "sources": sources}))
    return build


@pytest.fixture
def fresh_check() -> Iterator[None]:
    """The once-per-process check of the build, done again by the test and again after it."""
    compiled._build_in_use.cache_clear()
    yield
    compiled._build_in_use.cache_clear()


@pytest.mark.usefixtures("fresh_check")
def test_a_build_is_used_only_while_every_source_has_the_hash_it_was_built_from(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(compiled.DISABLE_ENV, raising=False)
    current = compiled.fingerprint(compiled.sources())
    assert "parsing/rows.py" in current and "recognition.py" in current
    build = _fake_build(tmp_path, current)
    monkeypatch.setattr(compiled, "BUILD_DIR", build)
    compiled._build_in_use.cache_clear()
    path = ["/src/dpgf_assets/parsing"]
    compiled_dir = str(build / "dpgf_assets" / "parsing")
    assert compiled.module_path("dpgf_assets.parsing", path) == [compiled_dir, *path]

    stale = dict(current, **{"parsing/rows.py": "0" * 64})  # rows.py edited since the build
    monkeypatch.setattr(compiled, "BUILD_DIR", _fake_build(tmp_path / "stale", stale))
    compiled._build_in_use.cache_clear()
    assert compiled.module_path("dpgf_assets.parsing", path) == path

    monkeypatch.setattr(compiled, "BUILD_DIR", build)
    compiled._build_in_use.cache_clear()
    monkeypatch.setenv(compiled.DISABLE_ENV, "1")
    assert compiled.module_path("dpgf_assets.parsing", path) == path


def test_a_build_for_another_python_is_not_used(tmp_path: Path) -> None:
    build = _fake_build(tmp_path, compiled.fingerprint(compiled.sources()))
    manifest = json.loads((build / compiled.MANIFEST).read_text())
    (build / compiled.MANIFEST).write_text(json.dumps(dict(manifest, abi=".cpython-39-x86_64-linux-gnu.so")))
    assert not compiled.is_current(build)
    assert not compiled.is_current(tmp_path / "nothing")
