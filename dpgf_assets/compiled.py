"""Which parser runs: the one compiled to C with mypyc when it is current, else the Python sources.

``./dev.sh`` builds it after installing (``python -m dpgf_assets.compile_parser``, see there) into
``<venv>/dpgf-compiled``, next to nothing in the source tree, with a manifest of the sources' hashes.
At import, ``dpgf_assets`` and ``dpgf_assets.parsing`` put that directory first on their module path
only when every compiled source still has the hash it was built from; otherwise (no C compiler, a
source edited since, ``DPGF_PURE_PYTHON=1``) the Python sources run, with the same results.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import sys
import sysconfig
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent
BUILD_DIR = Path(sys.prefix) / "dpgf-compiled"
MANIFEST = "manifest.json"
DISABLE_ENV = "DPGF_PURE_PYTHON"
log = logging.getLogger(__name__)


def sources() -> list[Path]:
    """The modules compiled: the parser and recognition, which every parse runs."""
    parsing = sorted(p for p in (PACKAGE_ROOT / "parsing").glob("*.py") if p.name != "__init__.py")
    return [*parsing, PACKAGE_ROOT / "recognition.py"]


def fingerprint(paths: list[Path]) -> dict[str, str]:
    return {str(p.relative_to(PACKAGE_ROOT)): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def abi() -> str:
    return sysconfig.get_config_var("EXT_SUFFIX") or ""


def is_current(build_dir: Path | None = None) -> bool:
    """True when the build exists, matches this interpreter and every source it was built from."""
    try:
        manifest = json.loads(((build_dir or BUILD_DIR) / MANIFEST).read_text())
    except (OSError, ValueError):
        return False
    return manifest.get("abi") == abi() and manifest.get("sources") == fingerprint(sources())


@functools.cache
def _build_in_use() -> bool:
    """Checked once per process, for both packages; a stale build is said once."""
    current = is_current()
    if not current and (BUILD_DIR / MANIFEST).exists():
        log.warning("the compiled parser is older than its sources: using the Python sources "
                    "(./dev.sh rebuilds it)")
    return current


def module_path(package: str, path: list[str]) -> list[str]:
    """``path`` for ``package``, with the compiled modules' directory first when the build is current."""
    if os.environ.get(DISABLE_ENV) or not _build_in_use():
        return path
    compiled = str(BUILD_DIR.joinpath(*package.split(".")))
    return [compiled, *[p for p in path if p != compiled]]


def active() -> bool:
    """True when the parser in use is the compiled one."""
    from dpgf_assets.parsing import workbook

    return not workbook.__file__.endswith(".py")
