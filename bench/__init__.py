"""Benchmarks: each runs as `.venv/bin/python -m bench.<name>` and ends with one JSON line."""
