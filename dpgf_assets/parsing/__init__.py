"""Pricing workbooks (DPGF, BPU, DQE) into sections, line items and totals; see ``workbook.py``."""

from dpgf_assets.parsing.model import LineItem, ParsedDocument, ParseError, Section, Table, Total
from dpgf_assets.parsing.workbook import parse_workbook

__all__ = ["LineItem", "ParsedDocument", "ParseError", "Section", "Table", "Total",
           "forget_earlier_workbooks", "parse_workbook"]


def forget_earlier_workbooks() -> None:
    """Empty what parsing remembers across workbooks (header labels, formula shapes).

    Those memories only save work; a benchmark clears them so that no file is timed against itself.
    """
    from dpgf_assets.parsing import header, xlsx_formulas

    header.column_role.cache_clear()
    xlsx_formulas.forget_formula_shapes()
