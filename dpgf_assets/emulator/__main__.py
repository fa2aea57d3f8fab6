"""Serve a folder as an emulated SharePoint library: ``python -m dpgf_assets.emulator FOLDER [--port N]``.

Prints the DPGF_SHAREPOINT_* variables that point the platform at it, then serves until interrupted.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from dpgf_assets.emulator.server import GraphEmulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve a folder through an emulated Microsoft Graph.")
    parser.add_argument("folder", type=Path, help="the folder to serve as the document library")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    parser.add_argument("--token", default="emulator-token", help="the bearer token clients must send")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    with GraphEmulator(args.folder, token=args.token, port=args.port) as graph:
        items = len(graph.library.items) - 1
        print(f"serving {items} items of {args.folder} at {graph.base_url}", flush=True)
        for name, value in graph.env().items():
            print(f"export {name}={value}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main())
