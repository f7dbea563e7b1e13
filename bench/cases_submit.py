"""Case submissions against a trivial view: the submission half of ``bench.portal``.

Run: ``.venv/bin/python -m bench.cases_submit`` (kept for old notes; ``bench.portal`` measures
the same and the catalogue search). Prepares what it needs from an empty database
(``DATABASE_URL``). Prints ``submit_per_s``, ``trivial_per_s`` and ``submit_ratio`` (goal ≥ 0.3)
as the last line.
"""

import json
import os

from bench import portal


def main() -> None:
    portal.prepare_public()
    commune, token = portal.prepare_submission()
    try:
        rounds = int(os.environ.get("BENCH_ROUNDS", "600"))
        figures = portal.measure_submission(commune, token, rounds)
    finally:
        portal.flush_bench_jobs()  # the mail jobs of its orders, as bench.portal does
    figures.pop("submit_statements")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
