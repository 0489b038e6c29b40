"""Build and maintenance scripts of the course (importable for the tests)."""
