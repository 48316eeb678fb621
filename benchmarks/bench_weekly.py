"""Benchmark: ``oos-analysis weekly`` for one account through a local fake SP-API, against
``oos-analysis report --store`` alone on the same store.

The fake (tests/fake_spapi.py, on 127.0.0.1) serves the sample's exports as Amazon would: token
exchange, reports polled once through IN_PROGRESS, gzip documents. ``weekly`` is timed on a first
run (empty store: fetch 30 days, import, status, report) and on the following runs (fetch since
the newest update minus 2 days; the same documents are recognised and not imported again). The
baseline is the report alone, rendered from the store those runs built. Medians of 3 runs, each a
fresh process. There is no target: the figure says what the hands-free job adds to the report.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))
from common import measure, median_measure  # noqa: E402
from fake_spapi import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, FakeSpApi  # noqa: E402

SAMPLE = ROOT / "data" / "sample" / "us"


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="bench_weekly_"))
    fake = FakeSpApi(documents={
        "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL": (SAMPLE / "all-orders.txt").read_bytes(),
        "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING": (SAMPLE / "order-report.txt").read_bytes(),
        "GET_V2_SELLER_PERFORMANCE_REPORT": (SAMPLE / "seller-performance.json").read_bytes(),
    }).start()
    try:
        config = work / "kit.toml"
        config.write_text(
            f'store = "store"\nout = "weekly"\n[spapi]\nmarketplaces = ["amazon.com"]\n'
            f'refresh_token = "{REFRESH_TOKEN}"\nlwa_app_id = "{CLIENT_ID}"\n'
            f'lwa_client_secret = "{CLIENT_SECRET}"\nendpoint = "{fake.url}"\n'
            f'token_url = "{fake.url}/auth/o2/token"\npoll_seconds = 0.05\n', encoding="utf-8")
        cli = [sys.executable, "-m", "oos_analysis"]
        weekly = [*cli, "weekly", "--config", str(config)]
        first_wall, first_rss = measure(weekly)
        again_wall, again_rss = median_measure(weekly)
        report_wall, report_rss = median_measure(
            [*cli, "report", "--store", str(work / "store"), "--out", str(work / "report")])
        rows = [
            ("report --store alone", report_wall, report_rss),
            ("weekly, first run (fetch 30 days, import)", first_wall, first_rss),
            ("weekly, next runs (fetch since last)", again_wall, again_rss),
        ]
        for label, wall, rss in rows:
            print(f"{label:<44} {wall:6.2f} s  peak {rss:6.0f} MiB")
        print(f"ratio: first run {first_wall / report_wall:.2f}x, next runs "
              f"{again_wall / report_wall:.2f}x the report alone")
    finally:
        fake.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
