"""The ``dpgf`` command line, a module per command group; ``dpgf --help`` lists the commands."""

from __future__ import annotations

import argparse
import sys
import warnings

from dpgf_assets.cli import content, imports, instance, ml, parse, sharepoint
from dpgf_assets.cli.platform import errors, fit_consoles_to_output
from dpgf_assets.settings import SettingsError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dpgf", description="Pricing spreadsheets (DPGF, BPU, DQE) from SharePoint into a price database.")
    parser.add_argument("--config", help="workflow configuration file (JSON or YAML); also DPGF_CONFIG")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (imports, instance, parse, sharepoint, content, ml):
        group.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Dagster marks backfill policies as beta; users of the command line need not read that each time
    warnings.filterwarnings("ignore", message=r".*(is currently in beta|is currently in preview).*")
    args = build_parser().parse_args(argv)
    fit_consoles_to_output()
    try:
        return args.func(args)
    except SettingsError as exc:
        errors.print(f"Invalid setting: {exc}")
        return 2
    except Exception as exc:  # noqa: BLE001 - only an unreachable warehouse is turned into one line
        reason = _unreachable_warehouse(exc, args.config)
        if reason is None:
            raise
        errors.print(reason)
        return 1
    except KeyboardInterrupt:
        errors.print("Interrupted: run the same command again to continue where it stopped.")
        return 130


def _unreachable_warehouse(exc: BaseException, config: str | None) -> str | None:
    """One line for a warehouse that cannot be reached (the URL shown without its password), else None."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    from dpgf_assets.settings import load_settings
    from dpgf_assets.warehouse.db import redacted

    if not isinstance(exc, (OperationalError, InterfaceError)) and \
            type(exc).__name__ not in ("OperationalError", "InterfaceError"):
        return None
    cause = " ".join(str(getattr(exc, "orig", None) or exc).split("\n")[0].split())
    url = redacted(load_settings(config).warehouse_url)
    return f"The warehouse {url} cannot be reached: {cause[:300]}"


if __name__ == "__main__":
    sys.exit(main())
