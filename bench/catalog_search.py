"""Catalogue search through the whole stack: the search half of ``bench.portal``.

Run: ``.venv/bin/python -m bench.catalog_search`` (kept for old notes; ``bench.portal`` measures
the same and the submissions). Prepares what it needs from an empty database (``DATABASE_URL``).
Goal: search_median_ms ≤ 50. The last line is one JSON object.
"""

import json

from bench import portal


def main() -> None:
    portal.prepare_public()
    print(json.dumps(portal.measure_search(10)))


if __name__ == "__main__":
    main()
