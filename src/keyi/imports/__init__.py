"""Importing records from CSV and Excel files: `keyi import`, the import API, jobs and undo.

:mod:`.reading` (files → rows), :mod:`.values` (spreadsheet text → typed values),
:mod:`.mapping` (headers → fields, saved mappings), :mod:`.convert` (a row → record values),
:mod:`.writer` (chunks → the records service), :mod:`.runs` (a run from start to finish, undo,
the error report), :mod:`.jobs` (the worker's `imports.run`), :mod:`.tables` (storage).
Everything is written through the records service, so every check of a single write applies.
"""
