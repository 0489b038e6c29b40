"""Measurements of the course's speed and memory (scripts; importable for the tests)."""
