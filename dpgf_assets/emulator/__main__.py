"""Serve a folder as an emulated SharePoint library: ``python -m dpgf_assets.emulator FOLDER [--port N]``,
with a fault plan to rehearse a bad day (``--throttle 0.2 --reset 0.05 --seed 7 --target download``).

Prints the DPGF_SHAREPOINT_* variables that point the platform at it, then serves until interrupted.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from dpgf_assets.emulator.faults import KINDS, FaultPlan
from dpgf_assets.emulator.server import GraphEmulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve a folder through an emulated Microsoft Graph.")
    parser.add_argument("folder", type=Path, help="the folder to serve as the document library")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    parser.add_argument("--token", default="emulator-token", help="the bearer token clients must send")
    faults = parser.add_argument_group("faults", "share of requests (0 to 1) answered with each fault")
    helps = {"throttle": "429 Too Many Requests with Retry-After", "unavailable": "503 Service Unavailable",
             "reset": "connection reset before any answer", "truncate": "body cut short",
             "slow": "answer delayed by --slow-seconds"}
    for kind in KINDS:
        faults.add_argument(f"--{kind}", type=float, default=0.0, metavar="RATE", help=helps[kind])
    faults.add_argument("--retry-after", type=float, default=1.0, metavar="S", help="Retry-After of a 429 (s)")
    faults.add_argument("--retry-after-on-503", action="store_true", help="send Retry-After with 503s too")
    faults.add_argument("--slow-seconds", type=float, default=2.0, metavar="S", help="delay of a slow answer")
    faults.add_argument("--seed", type=int, default=0, help="seed of the draws: the same seed, the same faults")
    faults.add_argument("--target", choices=("all", "graph", "download"), default="all",
                        help="which requests: Graph API calls, downloads and range reads, or all")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    try:
        plan = FaultPlan(**{kind: getattr(args, kind) for kind in KINDS}, retry_after=args.retry_after,
                         retry_after_on_503=args.retry_after_on_503, slow_seconds=args.slow_seconds,
                         seed=args.seed, target=args.target)
    except ValueError as exc:
        parser.error(str(exc))
    if any(not 0 <= getattr(args, kind) <= 1 for kind in KINDS):
        parser.error("each fault rate is between 0 and 1")
    with GraphEmulator(args.folder, token=args.token, port=args.port) as graph:
        graph.set_faults(plan)
        items = len(graph.library.items) - 1
        print(f"serving {items} items of {args.folder} at {graph.base_url}", flush=True)
        rates = ", ".join(f"{kind} {getattr(args, kind):.0%}" for kind in KINDS if getattr(args, kind))
        if rates:
            print(f"faults on {args.target} requests: {rates} (seed {args.seed})", flush=True)
        for name, value in graph.env().items():
            print(f"export {name}={value}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main())
