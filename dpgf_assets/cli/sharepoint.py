"""``dpgf sharepoint check``: sign in with the DPGF_SHAREPOINT_* settings and list the first items."""

from __future__ import annotations

import argparse
import os

from dpgf_assets.cli.platform import console, errors, settings_of

def cmd_sharepoint_check(args: argparse.Namespace) -> int:
    from dpgf_assets.sources.base import SourceError
    from dpgf_assets.sources.sharepoint import SharePointConfig, check_connection

    settings = settings_of(args)
    try:
        config = SharePointConfig.from_env(os.environ, timeout_seconds=settings.download.timeout_seconds,
                                           retry_count=settings.download.retry_count)
        paths = check_connection(config, limit=args.limit)
    except (SourceError, ValueError) as exc:
        errors.print(f"SharePoint check failed: {exc}", markup=False)
        return 1
    console.print(f"Connected to {config.site_url}, library {config.library!r}; first items:", markup=False)
    for path in paths:
        console.print(f"  {path}", markup=False)
    return 0


def register(sub) -> None:  # noqa: ANN001 - argparse's subparsers
    sharepoint = sub.add_parser("sharepoint", help="SharePoint tools")
    sp_sub = sharepoint.add_subparsers(dest="sp_command", required=True, metavar="COMMAND")
    check = sp_sub.add_parser("check", help="authenticate with the DPGF_SHAREPOINT_* settings and list the first items")
    check.add_argument("--limit", type=int, default=10, help="items to list at most (default 10)")
    check.set_defaults(func=cmd_sharepoint_check)
