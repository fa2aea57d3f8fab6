"""``dpgf parse``: one workbook as a readable tree, or its JSON document."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.text import Text
from rich.tree import Tree

from dpgf_assets.cli.platform import console, errors

def parse_given_file(file: str) -> Any:
    """The workbook a command was given, read in the capped worker; a folder or a missing file is refused
    (ParseError), so that a hostile file fails the command with its reason instead of killing it."""
    from dpgf_assets.parsing.isolation import parse_isolated
    from dpgf_assets.parsing.model import ParseError

    path = Path(file)
    if path.is_dir():
        raise ParseError(str(path), "is a folder: give one workbook file (xlsx, xlsm, xls, xlsb, ods or csv); "
                                    "dpgf inventory lists a folder's workbooks")
    if not path.is_file():
        raise ParseError(str(path), "no such file")
    return parse_isolated(path, source_path=path.name)


def cmd_parse(args: argparse.Namespace) -> int:
    from dpgf_assets.parsing.model import ParseError

    try:
        doc = parse_given_file(args.file)
    except ParseError as exc:
        errors.print(f"{args.file}: {exc.reason}")
        return 1
    if args.json:
        print(json.dumps(doc.to_json(), ensure_ascii=False, indent=2, allow_nan=False))
        return 0
    console.print(document_tree(doc))
    return 0


def _money(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}".replace(",", " ")


def document_tree(doc: Any) -> Tree:
    """A readable tree: one branch per sheet, its sections, their items and the totals, in sheet order.

    Workbook text is put in Text objects, never read as markup: a designation such as
    'prise [bold]USB[/bold]' keeps its brackets, and the item tags ('[pm]', '[option]') show."""
    lot = f"lot {doc.lot_written or doc.lot_code or '?'} {doc.lot_name or ''}".strip()
    root = Tree(Text.assemble((doc.file, "bold"), f"  {doc.doc_type} ({doc.confidence:.0%})  {lot}"))
    nodes: dict[tuple[str, str | None], Tree] = {}
    sheets: dict[str, Tree] = {}
    rows = sorted([(s.sheet, s.row, "section", s) for s in doc.sections]
                  + [(i.sheet, i.row, "item", i) for i in doc.items]
                  + [(t.sheet, t.row, "total", t) for t in doc.totals], key=lambda r: r[1])
    for sheet, _row, what, obj in rows:
        if sheet not in sheets:
            sheets[sheet] = root.add(Text(sheet, style="bold"))
        branch = sheets[sheet]
        if what == "section":
            parent = nodes.get((sheet, obj.parent_code), branch)
            nodes[(sheet, obj.code)] = parent.add(Text(f"{obj.code or ''} {obj.title}", style="cyan"))
        elif what == "item":
            parent = nodes.get((sheet, obj.section_code), branch)
            figures = " × ".join(x for x in (_money(obj.quantity), obj.unit_raw or "", _money(obj.unit_price)) if x)
            kind = "" if obj.kind == "article" else f" [{obj.kind}]"
            node = parent.add(Text(f"{obj.code or '·'} {obj.designation}  {figures}  {_money(obj.total)}{kind}"))
            if obj.prices:
                node.add(Text("  ".join(f"{name} {value:g}" for name, value in obj.prices.items()), style="dim"))
        else:
            branch.add(Text.assemble((obj.label, "magenta"), f"  {_money(obj.amount)}  ({obj.kind})"))
    for note in doc.notes:
        root.add(Text.assemble(("note", "blue"), f" {note}"))
    for warning in doc.warnings:
        root.add(Text.assemble(("warning", "yellow"), f" {warning}"))
    return root


def register(sub) -> None:  # noqa: ANN001 - argparse's subparsers
    parse = sub.add_parser("parse", help="parse one workbook and print its tree (or --json)")
    parse.add_argument("file", help="the workbook file to parse (xlsx, xlsm, xls, xlsb, ods or csv)")
    parse.add_argument("--json", action="store_true", help="print the parsed document as JSON instead of a tree")
    parse.set_defaults(func=cmd_parse)
