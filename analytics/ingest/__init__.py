"""Spreadsheet import: read → map → normalise → validate → load (see ``pipeline``)."""
