"""Evaluate the formulas pricing sheets use, safely, on a dictionary of cells."""

import pytest

from dpgf_assets.parsing.formula import Area, Evaluator, ExcelError, FormulaError, column_index, parse_formula, shape_key

# 0-based (sheet, row, col) → value; sheet None is the formula's own sheet "S"
CELLS = {("S", 11, 4): 12.0, ("S", 11, 5): 35.5, ("S", 22, 1): "VENTILATION", ("S", 13, 5): 100.0,
         ("S", 14, 5): 50.0, ("S", 15, 5): 150.0, ("Infos", 6, 1): "REHABILITATION", ("LOT 04", 45, 5): 3820.0}
SUBTOTALS = {("S", 15, 5)}  # F16 holds a SUBTOTAL formula


def evaluate(text, base=(0, 0)):
    def cell(sheet, row, col):
        return CELLS.get((sheet or "S", row, col))

    def area(a: Area):
        sheet = a.sheet or "S"
        for row in range(a.row1, a.row2 + 1):
            for col in range(a.col1, a.col2 + 1):
                yield CELLS.get((sheet, row, col)), (sheet, row, col) in SUBTOTALS

    evaluator = Evaluator(cell, area)
    evaluator.base = base
    return evaluator.value(parse_formula(text, base))


@pytest.mark.parametrize("text, value", [
    ("=35*1.35", 47.25), ("=(117+20)*1.35", 184.95), ("=E12*F12", 426.0), ("=+E12*F12", 426.0), ("=1+2*3", 7.0),
    ("=2^3^2", 64.0), ("=-2^2", 4.0), ("=10-2-3", 5.0), ("=50%", 0.5), ("=F14/0", ExcelError("#DIV/0!")),
    ('=IF(OR(E12="",F12=""),"",E12*F12)', 426.0), ('=IF(OR(E30="",F12=""),"",E30*F12)', ""),
    ('="Sous Total "&B23', "Sous Total VENTILATION"), ('=CONCATENATE("Sous Total ",B23)', "Sous Total VENTILATION"),
    ("=SUM(F14:F15)", 150.0), ("=SUBTOTAL(109,F14:F16)", 150.0), ("=SUBTOTAL(9,$F$14:$F$16)", 150.0),
    ("=SUM(F14,F15,10)", 160.0), ("=ROUND(2.675,2)", 2.68), ("=ROUND(F14/3,0)", 33.0), ("=ABS(-3)", 3.0),
    ("=+Infos!B7", "REHABILITATION"), ("='LOT 04'!F46", 3820.0), ("=MAX(F14:F16)", 150.0),
    ('=IF(E12>10,"gros","petit")', "gros"), ("=AND(TRUE,E12=12)", True), ("=NOT(E12=12)", False),
    ("=IFERROR(F14/0,0)", 0.0), ('="Lot "&4&" - CVC"', "Lot 4 - CVC"), ("=E99*2", 0.0), ("=E12=12", True),
])
def test_formulas_of_pricing_sheets(text, value):
    assert evaluate(text) == (pytest.approx(value) if isinstance(value, float) else value)


def test_relative_references_follow_the_cell_the_formula_was_copied_to():
    tree = parse_formula("=E12*F12", (11, 6))  # written in G12
    assert shape_key("=E12*F12", (11, 6)) == shape_key("=E13*F13", (12, 6)) != shape_key("=E12*F12", (12, 6))
    evaluator = Evaluator(lambda sheet, row, col: {(12, 4): 2.0, (12, 5): 3.0}.get((row, col)), lambda a: [])
    evaluator.base = (12, 6)  # the same formula copied to G13 reads E13*F13
    assert evaluator.value(tree) == 6.0
    assert shape_key('="E12"&E12', (11, 6)) == '="E12"&R[0]C[-2]'  # never inside a string


@pytest.mark.parametrize("text", ["=__import__('os').system('x')", "=INDIRECT(\"A1\")", "=E12*", "=(1+2", "=1 2",
                                  "=" + "(" * 3000 + "1" + ")" * 3000, "=TODAY()"])
def test_anything_else_is_refused_never_evaluated(text):
    with pytest.raises((FormulaError, RecursionError)):
        evaluate(text)


def test_column_letters():
    assert [column_index(c) for c in ("A", "F", "Z", "AA", "XFD")] == [0, 5, 25, 26, 16383]


def test_formula_cells_are_read_from_the_sheet_xml_whatever_its_prefix_and_other_formula_like_tags():
    from dpgf_assets.parsing.xlsx_formulas import read_formulas

    plain = (b'<worksheet><sheetData><row r="2"><c r="F2"><f>D2*E2</f></c><c r="G2"><f>SUM(F1:F2)</f><v>3</v>'
             b'</c></row><row r="3"><c r="F3"><f t="shared" ref="F3:F4" si="0">D3*E3</f></c>'
             b'<c r="F4"><f t="shared" si="0"/></c></row></sheetData><conditionalFormatting sqref="A1">'
             b'<cfRule type="expression"><formula>A1&gt;0</formula></cfRule></conditionalFormatting></worksheet>')
    prefixed = plain.replace(b"<", b"<x:").replace(b"<x:/", b"</x:")
    for xml in (plain, prefixed):
        cells = read_formulas(xml)
        assert {at: (cell.text, cell.anchor, cell.cached) for at, cell in cells.items()} == {
            (1, 5): ("D2*E2", (1, 5), False), (1, 6): ("SUM(F1:F2)", (1, 6), True),
            (2, 5): ("D3*E3", (2, 5), False), (3, 5): ("D3*E3", (2, 5), False)}, xml
