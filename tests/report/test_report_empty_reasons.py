"""A section with nothing to show says why: not analysed, or every row withheld by the thresholds."""

import pandas as pd

from wildvalues.report.data import GatedTable, ReportData


def _data(tables):
    return ReportData(k=10, u=5, tables=tables, trees={}, summary=None)


def test_all_rows_withheld_is_not_reported_as_missing_analysis():
    gated = GatedTable("an_value_frequencies", pd.DataFrame(), n_rows=13, n_suppressed=13)
    message = _data({"an_value_frequencies": gated}).why_empty("an_value_frequencies", "value frequencies")
    assert "All 13 rows" in message and "k = 10" in message
    assert "wildvalues analyze" not in message


def test_missing_table_points_to_the_analysis():
    message = _data({}).why_empty("an_value_frequencies", "value frequencies")
    assert "wildvalues analyze" in message
