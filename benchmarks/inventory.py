"""Inventory of an emulated SharePoint library: delta listing + range-read peeks vs walk + full downloads.

    python -m benchmarks.inventory [--quick]

Builds a library (100,000 files in 2,000 leaf folders; --quick: 10,000 in 200) served by the Graph
emulator on 127.0.0.1: mostly non-Excel files, and ~6 % Excel workbooks made from a few realistic
generated xlsx (several sheets, thousands of priced rows, most re-zipped in the member order Excel
writes) reused across paths. Then, in the same run:

- ours: the SharePoint source (real office365 GraphClient) lists the library through the delta feed;
  Excel files go 20 at a time to the workers: their download links are fetched in one Graph $batch
  (``prepare``), then each is peeked through HTTP Range requests (``peek_zip``);
- baseline: the old scripts' way: a request per folder (children, paged), and every Excel file
  downloaded whole, then peeked locally, with the same number of workers.

Localhost has no latency and no bandwidth limit, which hides what both approaches cost on a real
network; so by default the emulator adds a round-trip latency to every request and shares one pipe
of limited bandwidth between all answers (--latency-ms, --bandwidth-mb; 0 turns them off).
Prints readable lines, then one JSON line.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dpgf_assets.emulator import GraphEmulator
from dpgf_assets.sources.graph_http import GRAPH_ROOT, Traffic, make_session
from dpgf_assets.sources.sharepoint import SharePointConfig, SharePointSource
from dpgf_assets.sources.zippeek import peek_zip

WORKERS = 4
EXCEL_SHARE = 0.06  # the tenant seen in the field: 7,315 Excel files out of 128,430
PHASES = ["01 Esquisse", "02 APD", "03 DCE", "04 Offres", "05 EXE"]
OTHER_KINDS = [(".pdf", 40), (".docx", 15), (".dwg", 15), (".jpg", 15), (".msg", 8), (".zip", 7)]
PRICING_NAMES = ["DPGF Lot {lot:02d} - {trade}", "BPU {trade}", "DQE Lot {lot:02d}",
                 "Décomposition prix {trade}"]
OTHER_NAMES = ["Planning {n}", "Métré {trade}", "Suivi financier {n}", "Liste des plans {n}", "Export {n}"]
TRADES = ["Gros oeuvre", "Charpente", "Plomberie", "Electricite", "Menuiseries", "Peinture", "VRD", "CVC"]



def log(line: str) -> None:
    print(line, flush=True)


# ---- the corpus ----------------------------------------------------------------------------------------
def make_workbooks(folder: Path) -> list[bytes]:
    """A few realistic pricing-style workbooks, 0.2–1.5 MB, from xlsxwriter and openpyxl."""
    import openpyxl
    import xlsxwriter

    specs = [(2, 4000), (3, 4000), (4, 6000), (2, 3000), (2, 9000), (3, 3000)]
    books = []
    for index, (sheets, rows) in enumerate(specs):
        path = folder / f"book{index}.xlsx"
        rng = random.Random(index)
        header = ["N°", "Désignation", "Unité", "Quantité", "Prix unitaire HT", "Montant HT"]
        if index < 4:
            book = xlsxwriter.Workbook(str(path))
            cover = book.add_worksheet("Page de garde")
            cover.write(0, 0, f"Opération {index} - Construction de logements")
            cover.write(2, 0, f"DPGF Lot {index + 1:02d} {TRADES[index]}")
            for s in range(sheets):
                sheet = book.add_worksheet(f"{TRADES[(index + s) % len(TRADES)]}")
                sheet.write_row(0, 0, header)
                for r in range(1, rows):
                    label = f"{rng.choice(TRADES)} : fourniture et pose, réf. {rng.randint(1, 10**6)}"
                    unit = rng.choice(["m2", "m3", "ml", "u", "ens", "kg"])
                    sheet.write_row(r, 0, [f"{s + 1}.{r // 20}.{r % 20}", label, unit, rng.randint(1, 900),
                                           round(rng.uniform(5, 900), 2), f"=D{r + 1}*E{r + 1}"])
            book.close()
        else:
            book = openpyxl.Workbook()
            first = book.active
            first.title = "BPU"
            for s in range(sheets):
                sheet = first if s == 0 else book.create_sheet(f"Annexe {s}")
                sheet.append(header)
                for r in range(1, rows):
                    sheet.append([f"{r}", f"Article {rng.randint(1, 10**6)} {rng.choice(TRADES)}", "u",
                                  rng.randint(1, 50), round(rng.uniform(5, 900), 2), None])
            book.save(path)
        data = path.read_bytes()
        books.append(excel_order(data) if index % 3 != 2 else data)  # most files in the field come from Excel
    return books


EXCEL_ORDER = ["[content_types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels",
               "xl/worksheets/", "xl/theme/", "xl/styles.xml", "xl/sharedstrings.xml", "docprops/"]


def excel_order(data: bytes) -> bytes:
    """Re-zip a workbook with its members in the order Excel itself writes them."""
    import zipfile

    def rank(name: str) -> tuple[int, str]:
        lowered = name.lower()
        hits = [i for i, prefix in enumerate(EXCEL_ORDER) if lowered.startswith(prefix)]
        return (hits[0] if hits else len(EXCEL_ORDER), _natural(lowered))

    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in sorted(source.infolist(), key=lambda i: rank(i.filename)):
            target.writestr(info.filename, source.read(info.filename))
    return out.getvalue()


def _natural(name: str) -> str:
    import re

    return re.sub(r"\d+", lambda m: m.group(0).zfill(6), name)


def build_library(graph: GraphEmulator, files: int, leaf_folders: int, books: list[bytes]) -> dict:
    """Fill the emulator; returns the corpus figures."""
    rng = random.Random(42)
    projects_per_client = 10
    clients = max(1, leaf_folders // (projects_per_client * len(PHASES)))
    leaves = [f"Client {c:03d}/Projet {c:03d}-{p:02d}/{phase}" for c in range(clients)
              for p in range(projects_per_client) for phase in PHASES]
    kinds, weights = zip(*OTHER_KINDS)
    excel = excel_bytes = 0
    for i in range(files):
        folder = leaves[i % len(leaves)]
        if rng.random() < EXCEL_SHARE:
            template = rng.choice(PRICING_NAMES if rng.random() < 0.3 else OTHER_NAMES)
            name = template.format(lot=rng.randint(1, 20), trade=rng.choice(TRADES), n=i) + f" ({i}).xlsx"
            content = books[i % len(books)]
            graph.add_file(f"{folder}/{name}", content)
            excel += 1
            excel_bytes += len(content)
        else:
            suffix = rng.choices(kinds, weights)[0]
            size = int(rng.lognormvariate(11.5, 1.2))  # median ~100 KB, a long tail of big drawings
            graph.add_file(f"{folder}/Document {i}{suffix}", b"%synthetic-" + suffix.encode(), size=size)
    folders = sum(1 for item in graph.library.items.values() if item.is_folder) - 1
    return {"files": files, "leaf_folders": len(leaves), "folders": folders, "excel_files": excel,
            "excel_bytes": excel_bytes}


# ---- ours ----------------------------------------------------------------------------------------------
def run_ours(graph: GraphEmulator, workers: int) -> dict:
    config = SharePointConfig.from_env(graph.env(), timeout_seconds=60, retry_count=3)
    source = SharePointSource(config)
    started = time.perf_counter()
    listing = source.list_changes(None)
    listed = time.perf_counter()
    listing_requests = source.graph_requests
    workbooks = [f for f in listing.files if f.name.lower().endswith((".xlsx", ".xlsm"))]
    groups = [workbooks[i:i + 20] for i in range(0, len(workbooks), 20)]

    def peek_group(group):  # noqa: ANN001, ANN202
        source.prepare(group)
        return [(f.file_id, peek_zip(lambda start, length, f=f: source.read_range(f, start, length), f.size,
                                     concurrent_reads=4)) for f in group]

    with ThreadPoolExecutor(workers) as pool:
        peeks = dict(pair for pairs in pool.map(peek_group, groups) for pair in pairs)
    done = time.perf_counter()
    source.close()
    return {"listed_files": len(listing.files), "listing_seconds": listed - started,
            "recognition_seconds": done - listed, "seconds": done - started,
            "listing_requests": listing_requests,
            "recognition_requests": source.requests_made - listing_requests,
            "recognition_graph_requests": source.graph_requests - listing_requests,
            "recognition_bytes": source.bytes_read, "peeks": peeks}


# ---- the baseline: the old scripts ----------------------------------------------------------------------
def run_baseline(graph: GraphEmulator, top_folders: list[str] | None, workers: int) -> dict:
    """Walk folder by folder (children, paged) and download every Excel file whole, then peek it."""
    traffic = Traffic()
    session = make_session(traffic, graph.base_url)
    session.headers["Authorization"] = f"Bearer {graph.token}"
    drive = f"{GRAPH_ROOT}/v1.0/drives/{graph.drive_id}"
    started = time.perf_counter()
    root = session.get(f"{drive}/root/children", timeout=60).json()["value"]
    frontier = [i for i in root if "folder" in i and (top_folders is None or i["name"] in top_folders)]
    excel: list[dict] = []

    def children(folder):  # noqa: ANN001, ANN202
        items, url = [], f"{drive}/items/{folder['id']}/children"
        while url:
            page = session.get(url, timeout=60).json()
            items.extend(page["value"])
            url = page.get("@odata.nextLink")
        return items

    files_seen = 0
    with ThreadPoolExecutor(workers) as pool:
        while frontier:
            next_frontier = []
            for items in pool.map(children, frontier):
                for item in items:
                    if "folder" in item:
                        next_frontier.append(item)
                    else:
                        files_seen += 1
                        if item["name"].lower().endswith((".xlsx", ".xlsm")):
                            excel.append(item)
            frontier = next_frontier
        walked = time.perf_counter()

        def download_and_peek(item):  # noqa: ANN001, ANN202
            response = session.get(f"{drive}/items/{item['id']}/content", timeout=60)
            data = response.content
            traffic.count_bytes(len(data))
            return item["id"], peek_zip(lambda start, length: data[start:start + length], len(data))

        peeks = dict(pool.map(download_and_peek, excel))
    done = time.perf_counter()
    session.close()
    return {"files_seen": files_seen, "excel_files": len(excel), "walk_seconds": walked - started,
            "seconds": done - started, "requests": traffic.requests, "bytes": traffic.bytes_read,
            "peeks": peeks}


def _same_peek(a, b) -> bool:  # noqa: ANN001 - WorkbookPeek or None
    if a is None or b is None:
        return a is b
    return a.sheet_names == b.sheet_names and a.texts == b.texts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 files in 200 folders (under a minute)")
    parser.add_argument("--files", type=int, help="override the number of files")
    parser.add_argument("--workers", type=int, default=WORKERS, help="concurrent requests, both sides (4)")
    parser.add_argument("--latency-ms", type=float, default=30.0, help="added to every request (30)")
    parser.add_argument("--bandwidth-mb", type=float, default=25.0,
                        help="MB/s shared by all answers, the site's pipe (25; 0: unlimited)")
    parser.add_argument("--baseline-share", type=float, default=None,
                        help="fraction of client folders the baseline walks, extrapolated by file count "
                             "(default: all with --quick, 0.25 at full size)")
    args = parser.parse_args(argv)
    files = args.files or (10_000 if args.quick else 100_000)
    leaf_folders = 200 if args.quick else 2_000
    share = args.baseline_share if args.baseline_share is not None else (1.0 if args.quick else 0.25)
    network = {"latency_ms": args.latency_ms, "bandwidth_mb_s": args.bandwidth_mb or None}

    with tempfile.TemporaryDirectory(prefix="dpgf-bench-") as tmp:
        t = time.perf_counter()
        books = make_workbooks(Path(tmp))
        log(f"workbooks: {len(books)} generated, {sum(map(len, books)) / len(books) / 1e3:.0f} KB on average "
            f"({time.perf_counter() - t:.1f} s)")
    emulator = GraphEmulator(page_size=200, max_page_size=1000)
    with emulator as graph:
        t = time.perf_counter()
        corpus = build_library(graph, files, leaf_folders, books)
        log(f"library: {corpus['files']:,} files in {corpus['leaf_folders']:,} leaf folders "
            f"({corpus['folders']:,} folders in all), {corpus['excel_files']:,} Excel files "
            f"averaging {corpus['excel_bytes'] / max(1, corpus['excel_files']) / 1e3:.0f} KB "
            f"(built in {time.perf_counter() - t:.1f} s)")
        graph.latency = args.latency_ms / 1000
        graph.bandwidth = args.bandwidth_mb * 1e6 if args.bandwidth_mb else None
        log(f"network: {args.latency_ms:g} ms per request, "
            + (f"{args.bandwidth_mb:g} MB/s shared" if args.bandwidth_mb else "unlimited bandwidth")
            + f"; {args.workers} workers on both sides")

        ours = run_ours(graph, args.workers)
        if ours["listed_files"] != files:
            raise SystemExit(f"the delta listing found {ours['listed_files']} files, not {files}")
        per_1000 = ours["listing_requests"] / files * 1000
        graph_per_1000 = (ours["listing_requests"] + ours["recognition_graph_requests"]) / files * 1000
        share_read = ours["recognition_bytes"] / max(1, corpus["excel_bytes"])
        per_excel = ours["recognition_requests"] / max(1, corpus["excel_files"])
        log(f"ours: listed {files:,} files in {ours['listing_seconds']:.1f} s with "
            f"{ours['listing_requests']} Graph requests ({per_1000:.2f} per 1,000 files)")
        log(f"ours: peeked {corpus['excel_files']:,} workbooks in {ours['recognition_seconds']:.1f} s: "
            f"{ours['recognition_bytes'] / 1e6:.1f} MB read of {corpus['excel_bytes'] / 1e6:.1f} MB "
            f"({share_read:.1%}); {per_excel:.2f} requests per workbook, of which "
            f"{ours['recognition_graph_requests']} in all to Graph ($batch of download links); "
            f"Graph requests per 1,000 files, listing and recognition: {graph_per_1000:.2f}")

        clients = sorted(graph.library.items[i].name for i in graph.library.root.children.values())
        sample = None if share >= 1 else clients[:max(1, round(len(clients) * share))]
        base = run_baseline(graph, sample, args.workers)
        scale = files / max(1, base["files_seen"])
        baseline_seconds = base["seconds"] * scale
        extrapolated = sample is not None
        log(f"baseline: walked {base['files_seen']:,} files"
            + (f" (a sample: {len(sample)} of {len(clients)} client folders)" if extrapolated else "")
            + f" in {base['walk_seconds']:.1f} s and downloaded {base['excel_files']:,} workbooks "
            f"({base['bytes'] / 1e6:.1f} MB) in {base['seconds'] - base['walk_seconds']:.1f} s; "
            f"{base['requests']:,} requests")
        if extrapolated:
            log(f"baseline: extrapolated to the whole library (x{scale:.2f} by file count): "
                f"{baseline_seconds:.1f} s")
        compared = [k for k in base["peeks"] if k in ours["peeks"]]
        same = all(_same_peek(ours["peeks"][k], base["peeks"][k]) for k in compared)
        log(f"recognition input (sheet names, texts) identical to the full-download baseline's on "
            f"{len(compared):,} workbooks: {'yes' if same else 'NO'}")
        speedup = baseline_seconds / ours["seconds"]
        log(f"ours {ours['seconds']:.1f} s against the baseline's {baseline_seconds:.1f} s: x{speedup:.2f}")
        figures = {
            "files": files,
            "folders": corpus["folders"],
            "excel_files": corpus["excel_files"],
            "excel_mb": round(corpus["excel_bytes"] / 1e6, 1),
            "seconds": round(ours["seconds"], 2),
            "listing_seconds": round(ours["listing_seconds"], 2),
            "recognition_seconds": round(ours["recognition_seconds"], 2),
            "requests_per_1000_files": round(per_1000, 2),
            "graph_requests_per_1000_files_with_recognition": round(graph_per_1000, 2),
            "recognition_requests_per_workbook": round(per_excel, 2),
            "recognition_bytes_share": round(share_read, 4),
            "baseline_seconds": round(baseline_seconds, 2),
            "baseline_extrapolated": extrapolated,
            "baseline_requests_per_1000_files": round(base["requests"] * scale / files * 1000, 1),
            "speedup": round(speedup, 2),
            "recognition_identical": same,
            "network": network,
            "workers": args.workers,
        }
    print(json.dumps(figures, allow_nan=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
