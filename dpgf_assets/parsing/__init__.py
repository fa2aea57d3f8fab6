"""Pricing workbooks (DPGF, BPU, DQE) into sections, line items and totals; see ``workbook.py``."""

from dpgf_assets.compiled import module_path as _module_path

__path__ = _module_path(__name__, __path__)  # the compiled modules first, when built and current

from dpgf_assets.parsing.model import LineItem, ParsedDocument, ParseError, Section, Table, Total
from dpgf_assets.parsing.workbook import parse_workbook

__all__ = ["LineItem", "ParsedDocument", "ParseError", "Section", "Table", "Total",
           "forget_earlier_workbooks", "parse_workbook"]


def forget_earlier_workbooks() -> None:
    """Empty what parsing remembers across workbooks (codes, units, header labels, formula shapes, folders).

    Those memories only save work; a benchmark clears them so that no file is timed against itself.
    """
    from dpgf_assets import recognition
    from dpgf_assets.parsing import header, values, xlsx_formulas

    for memory in (values._CODES, values._UNITS, header._ROLES):
        memory.forget()
    recognition._folder_evidence.cache_clear()
    xlsx_formulas.forget_formula_shapes()
