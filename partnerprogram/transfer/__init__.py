"""Bulk import and export of a whole partner program as a folder of CSV files.

- formats.py: the files and their columns; reading a file into parsed rows.
- sources.py: a folder, a .zip of it or a single CSV file, as the files of an import.
- importer.py: `import_program`, all or nothing; state.py, checks.py, records.py and
  chains.py check the files; writer.py writes them in bulk.
- exporter.py: `export_program`, the same files from the database.
- views.py: the import in the admin (upload, preview, confirm), run by the background
  worker as jobs (models.py, jobs.py), which tell their progress (progress.py).
"""
