"""Hand-written readers against the libraries that could replace them, on a generated corpus and the real sample.

    python -m benchmarks.libraries [--files N] [--extra-path DIR]

- zip directory and parts: ``parsing/zipparts.py`` (``struct`` directory, ISA-L inflate) against the
  standard ``zipfile`` reading the same parts (those the container checks read), per workbook;
- ``isal`` against ``zlib``: inflating and checking (CRC-32) the same raw parts (when ``isal`` is found,
  in the environment or ``--extra-path``: the project dropped it for ``zlib``);
- HTTP range peek: bytes ``sources/zippeek.py`` reads to recognise a workbook against what ``remotezip``
  fetches for the same members (its first 64 KB tail read, then each member it reads whole);
- formula evaluation: our parse with its evaluator against ``pycel`` (openpyxl load, then evaluating the
  same uncached formulas), on the workbooks that hold uncached formulas; values compared.

``remotezip`` and ``pycel`` are not dependencies of the project: with ``--extra-path`` (a folder they
were installed in with ``pip install --target``) they are measured too, else only ours is. Prints
readable lines, then one JSON line.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

from dpgf_assets.corpus import generate_library
from dpgf_assets.parsing.container import MAX_ZIP_MEMBERS, READ_PARTS
from dpgf_assets.parsing.zipparts import inflate, raw_bytes, read_directory

REAL = Path(__file__).resolve().parents[2] / "shared" / "samples" / "real"
REMOTEZIP_TAIL = 64 * 1024  # remotezip's initial_buffer_size


def _checked(name: str) -> bool:
    return name in READ_PARTS or (name.startswith("xl/worksheets/") and name.endswith(".xml"))


def _ours(data: bytes) -> int:
    parts = read_directory(data, MAX_ZIP_MEMBERS)
    return sum(len(inflate(data, p, p.size)) for p in parts if _checked(p.name))


def _stdlib(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(len(archive.read(i)) for i in archive.infolist() if _checked(i.filename))


def _best(fn, items, rounds: int = 3) -> float:  # noqa: ANN001
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for item in items:
            fn(item)
        best = min(best, time.perf_counter() - started)
    return best


def _inflate_all(codec, raws: list[bytes]) -> None:  # noqa: ANN001
    for raw in raws:
        content = codec.decompressobj(-15).decompress(raw)
        codec.crc32(content)


def _remotezip_bytes(data: bytes, members: list[str]) -> int:
    """What remotezip transfers to read ``members``: its tail read, then each member's local header
    and compressed data whole (it reads a member in one ranged request)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        total = min(REMOTEZIP_TAIL, len(data))
        for name in members:
            info = archive.getinfo(name)
            total += 30 + len(info.filename.encode()) + len(info.extra) + info.compress_size
    return total


def _peek_members(data: bytes) -> list[str]:
    """The members recognition needs: the workbook, its relations, the shared strings, the first sheets."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
    sheets = sorted(n for n in names if n.startswith("xl/worksheets/sheet") and n.endswith(".xml"))[:3]
    wanted = ["xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml", *sheets]
    return [n for n in wanted if n in names]


def _uncached_formulas(path: Path) -> dict[tuple[str, str], object]:
    """Cells whose formula has no cached value, by (sheet, cell), as openpyxl lists them."""
    import openpyxl

    values = openpyxl.load_workbook(path, data_only=True)
    formulas = openpyxl.load_workbook(path, data_only=False)
    found = {}
    for sheet in formulas.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("=") and \
                        values[sheet.title][cell.coordinate].value is None:
                    found[(sheet.title, cell.coordinate)] = cell.value
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--extra-path", help="folder where remotezip and pycel are installed (pip --target)")
    args = parser.parse_args(argv)
    if args.extra_path:
        sys.path.append(args.extra_path)
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="dpgf-libs-") as tmp:
        generate_library(Path(tmp), files=args.files, seed=12)
        paths = sorted(p for p in Path(tmp).rglob("*") if p.suffix.lower() in (".xlsx", ".xlsm"))
        paths += sorted(REAL.glob("*.xlsx"))
        books = []
        for path in paths:
            data = path.read_bytes()
            try:
                _stdlib(data)
                _ours(data)
            except Exception:  # noqa: BLE001 - the corpus's damaged files are not what is measured here
                continue
            books.append((path, data))
        datas = [d for _, d in books]
        print(f"{len(books)} workbooks (xlsx/xlsm, corpus and real sample)")

        ours, stdlib = _best(_ours, datas, rounds=7), _best(_stdlib, datas, rounds=7)
        figures.update(zip_files=len(datas), zipparts_ms=round(1000 * ours / len(datas), 3),
                       zipfile_ms=round(1000 * stdlib / len(datas), 3), zipparts_speedup=round(stdlib / ours, 2))
        print(f"zip parts:  ours {figures['zipparts_ms']} ms/file, zipfile {figures['zipfile_ms']} ms/file "
              f"({figures['zipparts_speedup']}×)")

        raws = [raw_bytes(d, p) for d in datas for p in read_directory(d, MAX_ZIP_MEMBERS)
                if _checked(p.name) and p.method == zipfile.ZIP_DEFLATED]
        zlib_s = _best(lambda _: _inflate_all(zlib, raws), [0], rounds=15)
        figures.update(zlib_us_per_file=round(1e6 * zlib_s / len(datas), 1))
        try:
            from isal import isal_zlib
        except ImportError:
            print(f"inflate+CRC: zlib {figures['zlib_us_per_file']} µs/file (isal not installed)")
        else:
            isal_s = _best(lambda _: _inflate_all(isal_zlib, raws), [0], rounds=15)
            figures.update(isal_us_per_file=round(1e6 * isal_s / len(datas), 1), isal_speedup=round(zlib_s / isal_s, 2))
            print(f"inflate+CRC of {len(raws)} parts: isal {figures['isal_us_per_file']} µs/file, zlib "
                  f"{figures['zlib_us_per_file']} µs/file ({figures['isal_speedup']}×)")

        from dpgf_assets.sources.zippeek import peek_zip_file

        ours_bytes = remote_bytes = 0
        for path, data in books:
            peek = peek_zip_file(path)
            ours_bytes += peek.bytes_read if peek else len(data)
            remote_bytes += _remotezip_bytes(data, _peek_members(data))
        real = [(p, d) for p, d in books if p.parent == REAL]
        real_ours = sum((peek_zip_file(p).bytes_read for p, _ in real), 0)
        real_remote = sum(_remotezip_bytes(d, _peek_members(d)) for _, d in real)
        figures.update(peek_kb_per_file=round(ours_bytes / len(books) / 1024, 1),
                       remotezip_kb_per_file=round(remote_bytes / len(books) / 1024, 1),
                       real_peek_kb=round(real_ours / 1024, 1), real_remotezip_kb=round(real_remote / 1024, 1))
        print(f"range peek: ours {figures['peek_kb_per_file']} KB/file, remotezip {figures['remotezip_kb_per_file']} "
              f"KB/file (real sample: {figures['real_peek_kb']} KB vs {figures['real_remotezip_kb']} KB)")

        from dpgf_assets.parsing import parse_workbook

        with_formulas = [p for p, _ in books if _uncached_formulas(p)]
        figures["formula_files"] = len(with_formulas)
        if with_formulas:
            ours_s = _best(lambda p: parse_workbook(p), with_formulas, rounds=2)
            figures["our_parse_ms"] = round(1000 * ours_s / len(with_formulas), 2)
            print(f"formulas: {len(with_formulas)} workbooks with uncached formulas; our whole parse "
                  f"{figures['our_parse_ms']} ms/file")
            try:
                from pycel import ExcelCompiler
            except ImportError:
                print("pycel: not installed (--extra-path), not measured")
            else:
                agree = total = 0
                started = time.perf_counter()
                for path in with_formulas:
                    cells = _uncached_formulas(path)
                    compiler = ExcelCompiler(filename=str(path))
                    doc = parse_workbook(path)
                    ours_values: dict[tuple[str, int], list] = {}
                    for i in doc.items:
                        ours_values.setdefault((i.sheet, i.row), []).extend((i.quantity, i.unit_price, i.total))
                    for t in doc.totals:
                        ours_values.setdefault((t.sheet, t.row), []).append(t.amount)
                    for (sheet, coordinate), _ in cells.items():
                        try:
                            value = compiler.evaluate(f"{sheet}!{coordinate}")
                        except Exception:  # noqa: BLE001
                            value = None
                        total += 1
                        row = int("".join(ch for ch in coordinate if ch.isdigit()))
                        if isinstance(value, (int, float)) and any(
                                v is not None and abs(v - value) < 1e-6 for v in ours_values.get((sheet, row), ())):
                            agree += 1
                pycel_s = time.perf_counter() - started
                figures.update(pycel_ms=round(1000 * pycel_s / len(with_formulas), 2), pycel_cells=total,
                               pycel_agreeing_with_ours=agree)
                print(f"pycel: {figures['pycel_ms']} ms/file (openpyxl load + evaluation, plus our parse to "
                      f"compare); {agree} of {total} uncached formula values found equal in our line items and totals")
    print(json.dumps(figures, allow_nan=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
