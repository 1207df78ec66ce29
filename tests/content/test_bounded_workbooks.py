"""A small upload that would unpack into a huge workbook is refused at once, naming the limit it passes."""
import time
import tracemalloc

import pytest

from app.content.tables import MAX_COLUMNS, TableError, read_xlsx

from ..hostile_workbooks import CORPUS, workbook

LIMITS = {"one huge row": "part xl/worksheets/sheet1.xml unpacks to 40 MB; at most 16 MB",
          "huge shared strings": "part xl/sharedStrings.xml unpacks to 20 MB; at most 8 MB",
          "many columns": f"row 1 has more than {MAX_COLUMNS} columns",
          "many parts": "parts; at most 1000"}


@pytest.mark.parametrize("name", CORPUS)
def test_each_hostile_workbook_is_refused_quickly_and_small(name):
    data = CORPUS[name]()
    assert len(data) < 2_000_000  # a small upload
    tracemalloc.start()
    began = time.perf_counter()
    with pytest.raises(TableError) as refused:
        read_xlsx(data, "msel.xlsx")
    elapsed = time.perf_counter() - began
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert LIMITS[name] in str(refused.value)
    assert elapsed < 5 and peak < 64 * 1024 * 1024, (elapsed, peak)


def test_a_plain_workbook_still_reads():
    sheets = read_xlsx(workbook('<row r="1"><c t="inlineStr"><is><t>Time</t></is></c></row>'), "msel.xlsx")
    assert sheets[0].rows == [(1, ["Time"])]
