"""Builders of the data files shipped in helpers/data/ (importable for the tests)."""
