"""Data sets for the comparison models: schemas, all-or-nothing import batches, storage in embedded DuckDB."""
