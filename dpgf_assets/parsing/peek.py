"""What recognition reads of a workbook without parsing it all: sheet names, and the titles and table
header of each visible sheet's first rows (never the articles below the header)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from dpgf_assets.parsing.container import Container, open_container, read_container
from dpgf_assets.parsing.grid import Grid, WorkbookGrids
from dpgf_assets.parsing.header import Header, find_header

PEEK_ROWS: Final = 40


@dataclass
class WorkbookPeek:
    """The text recognition looks at: sheet names, the strings above each table and of its header (the
    first rows of a sheet without a table), and what reading cost."""

    sheet_names: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    bytes_read: int = 0


def peek_texts(grid: Grid, header: Header | None) -> list[str]:
    """The strings recognition reads of a sheet: every text cell above its table and of the table's
    header (titles, the header's labels), or of the first rows of a sheet without a table. Article
    designations are left out: "Planning des travaux" in a list of articles is no planning's title."""
    limit = min(header.last_row + 1, PEEK_ROWS) if header is not None else PEEK_ROWS
    return [c.strip() for cells in grid[:limit] for c in cells if isinstance(c, str) and c.strip()]


def head_texts(head: Grid) -> list[str]:
    """``peek_texts`` of a sheet's first rows when only they were read (the peeks of recognition)."""
    return peek_texts(head, find_header(head))


def peek_file(path: Path, name: str | None = None) -> WorkbookPeek:
    """Sheet names and the title and header strings of each visible sheet of a local workbook (``name``,
    the file's name at its source, is the one errors give; a temporary copy's name means nothing).

    Runs the parser's safety checks first, so a hostile file raises ``ParseError`` instead of
    exhausting memory.
    """
    path = Path(path)
    name = name or path.name
    return _peek_container(open_container(path, name), name)


def peek_bytes(data: bytes, name: str) -> WorkbookPeek:
    """The same peek over a whole workbook held in memory (a small file read at once)."""
    return _peek_container(read_container(data, name), name)


def _peek_container(container: Container, name: str) -> WorkbookPeek:
    """The texts the parser gives recognition (``peek_texts``), from the first rows only."""
    grids = WorkbookGrids(container, name, csv_sheet=Path(name).stem)
    visible = [s.name for s in grids.sheets if s.visible]
    texts: list[str] = []
    for sheet in visible:
        texts.extend(head_texts(grids.head(sheet, PEEK_ROWS)))
    return WorkbookPeek(sheet_names=visible, texts=texts, bytes_read=len(container.data))
