"""Importing the Comuni's own spreadsheets of practices (.xlsx, .csv, .ods).

The pipeline, each step a module with no UI and no SQL:

* `files`   - what the file really is (by content, not by name), size and zip checks
              before any parser touches it, then the cells of one sheet;
* `columns` - the header row (not always the first) and which column is which field,
              guessed from the usual Italian headers, fixed by the user, remembered;
* `convert` - a row's cells to typed values (real dates, Excel serials, DD/MM/YYYY,
              decimal comma), every bad cell explained in Italian;
* `plan`    - each row matched to the practice it updates (Comune, type, protocol),
              the three-way comparison with what was last imported and what the app
              holds now, and the domain's own validation of the result.

`service` ties them to the store (`store/imports.py` reads what the plan needs and
writes the confirmed plan in one op-logged transaction). Nothing here imports Textual.
"""
