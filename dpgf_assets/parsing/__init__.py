"""Pricing workbooks (DPGF, BPU, DQE) into sections, line items and totals; see ``workbook.py``."""

from dpgf_assets.compiled import module_path as _module_path

__path__ = _module_path(__name__, __path__)  # the compiled modules first, when built and current

from dpgf_assets.parsing.model import LineItem, ParsedDocument, ParseError, Section, Table, Total
from dpgf_assets.parsing.workbook import parse_workbook

__all__ = ["LineItem", "ParsedDocument", "ParseError", "Section", "Table", "Total", "parse_workbook"]
