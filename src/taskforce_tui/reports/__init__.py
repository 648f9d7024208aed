"""Building and writing the reports an expert or the coordination hands in: the
monthly timesheet (timesheet.py) and the semester indicators report (semester.py).

Core code: no Textual (tests/test_layering.py checks it). The figures come from
`domain/` and the store; `cli/timesheet.py`, `cli/semester_report.py` and the
Registro ore's export form are thin callers. Spreadsheet libraries are imported
inside the writers, only when a file is written.
"""
