"""Speed goals, run as python -m bench.<name>."""
