"""Compile the parser with mypyc (``python -m dpgf_assets.compile_parser``), or say why it stays Python.

mypyc turns the annotated modules ``compiled.sources()`` lists into C extensions: the same code, type
checked, about a fifth less time per workbook (``benchmarks.parse`` with and without
``DPGF_PURE_PYTHON=1``). They go to ``compiled.BUILD_DIR`` with a manifest of
the sources' hashes, which ``compiled.module_path`` checks before using them. Needs a C compiler and
the Python headers; without them the build says so and everything runs from the sources.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from dpgf_assets.compiled import BUILD_DIR, MANIFEST, PACKAGE_ROOT, abi, fingerprint, is_current, sources

GROUP = "dpgf_assets.compiled_parser"  # its shared library: dpgf_assets/compiled_parser__mypyc.*.so


def build(build_dir: Path = BUILD_DIR) -> int:
    """Compile the sources with mypyc into ``build_dir``; 0 on success, else 1 with the reason printed."""
    try:
        import mypyc  # noqa: F401 - only to say clearly when it is missing
    except ImportError:
        print("mypyc is not installed: the parser stays pure Python", file=sys.stderr)
        return 1
    if is_current(build_dir):
        return 0
    print("Compiling the parser with mypyc (about 20 s, once per change of its sources) …", file=sys.stderr)
    paths = sources()
    built_from = fingerprint(paths)  # before compiling: an edit made meanwhile leaves the build stale
    with tempfile.TemporaryDirectory(prefix="dpgf-mypyc-") as work:
        script = Path(work) / "setup.py"
        script.write_text(
            "from setuptools import setup\nfrom mypyc.build import mypycify\n"
            f"setup(name='dpgf_compiled', ext_modules=mypycify({[str(p) for p in paths]!r}, "
            f"group_name={GROUP!r}, target_dir={str(Path(work) / 'c')!r}, opt_level='3'))\n")
        command = [sys.executable, str(script), "build_ext", "--build-lib", str(Path(work) / "lib"),
                   "--build-temp", str(Path(work) / "tmp"), "--parallel", str(os.cpu_count() or 1)]
        env = {**os.environ, "MYPY_CACHE_DIR": str(Path(work) / "mypy-cache")}
        done = subprocess.run(command, cwd=PACKAGE_ROOT.parent, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
            print(f"the parser could not be compiled, it stays pure Python:\n{tail}", file=sys.stderr)
            return 1
        shutil.rmtree(build_dir, ignore_errors=True)
        shutil.copytree(Path(work) / "lib", build_dir)
    (build_dir / MANIFEST).write_text(json.dumps({"abi": abi(), "sources": built_from}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(build())
