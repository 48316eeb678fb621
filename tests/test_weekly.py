"""``oos-analysis weekly``: the cron job, its alerts, many accounts, the Airflow example.

The runs go through the local fake SP-API (tests/fake_spapi.py) and send alerts with Apprise's
json:// to a local server (tests/http_capture.py). One test renders the real report; the others
use a one-cell report notebook so that the suite stays quick (the report itself is tested in
test_report.py).
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sp_api")
pytest.importorskip("apprise")
pytest.importorskip("oos_analysis.report.model")

from fake_spapi import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, FakeSpApi  # noqa: E402
from http_capture import CaptureServer  # noqa: E402

from oos_analysis.cli import main  # noqa: E402
from oos_analysis.config import read_config  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings(
    "ignore::oos_analysis.exceptions.DataQualityWarning")]

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "us"
DOCUMENTS = {
    "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL": (SAMPLE / "all-orders.txt").read_bytes(),
    "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING": (SAMPLE / "order-report.txt").read_bytes(),
    "GET_V2_SELLER_PERFORMANCE_REPORT": (SAMPLE / "seller-performance.json").read_bytes(),
}
SECRETS = (REFRESH_TOKEN, CLIENT_ID, CLIENT_SECRET, "Atza|fake-access", "Atz.sprdt|",
           "presignedsecret")


@pytest.fixture
def fake():
    server = FakeSpApi(documents=dict(DOCUMENTS), in_progress_polls=1).start()
    yield server
    server.stop()


@pytest.fixture
def inbox_target():
    server = CaptureServer().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("SP_API_REFRESH_TOKEN", "LWA_APP_ID", "LWA_CLIENT_SECRET",
                 "OOS_ANALYSIS_CONFIG"):
        monkeypatch.delenv(name, raising=False)


def tiny_notebook(folder: Path) -> Path:
    """A one-cell report notebook with the parameters weekly passes."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('store = ""\nasof = ""\nmarketplace = ""\ntz = "UTC"')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell('print("report of", asof)')]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = folder / "tiny.ipynb"
    nbformat.write(nb, path)
    return path


def spapi_table(fake, *, secret=CLIENT_SECRET) -> str:
    return (f'[spapi]\nmarketplaces = ["amazon.com"]\nrefresh_token = "{REFRESH_TOKEN}"\n'
            f'lwa_app_id = "{CLIENT_ID}"\nlwa_client_secret = "{secret}"\n'
            f'endpoint = "{fake.url}"\ntoken_url = "{fake.url}/auth/o2/token"\n'
            "poll_seconds = 0.001\nbackoff_seconds = 0.001\n")


def cron(*argv, cwd=None):
    """Run the command as cron does: no terminal on any stream."""
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "oos_analysis", *map(str, argv)],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, env=env,
                          cwd=cwd, timeout=600)


def everything_written(folder: Path) -> str:
    """The text of every file under ``folder`` except the saved downloads themselves."""
    texts = []
    for path in folder.rglob("*"):
        if path.is_file() and "downloads" not in path.parts and path.suffix != ".parquet":
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(texts)


def buyer_details() -> set[str]:
    rows = csv.DictReader((SAMPLE / "order-report.txt").read_text().splitlines(), delimiter="\t")
    found = set()
    for row in rows:
        for column in ("buyer-email", "buyer-name", "buyer-phone-number", "recipient-name",
                       "ship-address-1"):
            if row.get(column):
                found.add(row[column])
    return found


def test_weekly_under_cron_prints_only_the_html_path_and_alerts(tmp_path, fake, inbox_target):
    config = tmp_path / "kit.toml"
    config.write_text('store = "store"\nout = "reports"\n' + spapi_table(fake)
                      + f'[alerts]\nurls = ["{inbox_target.json_url}"]\n', encoding="utf-8")
    done = cron("weekly", "--config", config)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    html = tmp_path / "reports" / re.fullmatch(r".*/(weekly-report-[0-9-]+\.html)\n",
                                                done.stdout).group(1)
    assert done.stdout == f"{html}\n" and html.is_file()
    log = (tmp_path / "store" / "logs" / "weekly.log").read_text()
    assert "saved amazon.com_all-orders_" in log and f"report written: {html}" in log
    # the alert: the same words as `oos-analysis status` on the same store, and the path
    words = subprocess.run(
        [sys.executable, "-m", "oos_analysis", "status", "--store", tmp_path / "store",
         "--format", "json"], capture_output=True, text=True, env={**os.environ,
                                                                   "MPLBACKEND": "Agg"})
    statuses = {row["marketplace"]: row["status"] for row in json.loads(words.stdout)}
    assert statuses  # the sample: amazon.com and amazon.ca
    assert len(inbox_target.bodies) == 1
    alert = inbox_target.bodies[0]
    lines = alert["message"].splitlines()
    for market, word in statuses.items():
        assert any(line.startswith(f"{market}: {word}") for line in lines)
    assert lines[-1] == f"report: {html}"
    order = ["BREACH", "AT RISK", "NO DATA", "OK"]
    assert alert["title"] == f"oos-analysis: {min(statuses.values(), key=order.index)}"
    # no buyer detail in the alert, no credential anywhere
    text = alert["title"] + alert["message"]
    assert not any(detail in text for detail in buyer_details())
    written = everything_written(tmp_path / "store") + everything_written(tmp_path / "reports")
    for secret in SECRETS:
        assert secret not in done.stdout + done.stderr + text + written


def _ok_exports(folder: Path) -> Path:
    """The sample's amazon.com orders with every cancellation turned into a shipment: OK."""
    lines = (SAMPLE / "all-orders.txt").read_text().splitlines()
    header = lines[0].split("\t")
    channel, status, item = (header.index(c) for c in ("sales-channel", "order-status",
                                                        "item-status"))
    kept = [lines[0]]
    for line in lines[1:]:
        cells = line.split("\t")
        if cells[channel] != "Amazon.com":
            continue
        for i in (status, item):
            if cells[i] == "Cancelled":
                cells[i] = "Shipped"
        kept.append("\t".join(cells))
    folder.mkdir()
    (folder / "all-orders.txt").write_text("\n".join(kept) + "\n", encoding="utf-8")
    return folder


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_unchanged_ok_sends_nothing(tmp_path, inbox_target):
    from oos_analysis.weekly import run_account

    inbox = _ok_exports(tmp_path / "inbox")
    notebook = tiny_notebook(tmp_path)
    config = tmp_path / "kit.toml"
    base = (f'store = "store"\nout = "reports"\ninbox = "{inbox}"\nnotebook = "{notebook}"\n'
            f'[alerts]\nurls = ["{inbox_target.json_url}"]\n')
    config.write_text(base, encoding="utf-8")
    terminal = _Terminal()
    first = run_account(read_config(config), stderr=terminal)
    assert first.error is None and [m["status"] for m in first.markets] == ["OK"]
    assert "step" in terminal.getvalue()  # a progress bar on a terminal
    assert inbox_target.bodies == []  # a first run that is all OK needs no one
    quiet = io.StringIO()
    second = run_account(read_config(config), stderr=quiet)
    assert second.error is None and second.status == "OK"
    assert inbox_target.bodies == []  # unchanged OK: nothing sent
    assert quiet.getvalue() == ""  # and no progress bar without a terminal
    config.write_text(base + "notify_unchanged_ok = true\n", encoding="utf-8")
    third = run_account(read_config(config), stderr=io.StringIO())
    assert third.notified and len(inbox_target.bodies) == 1
    assert inbox_target.bodies[0]["message"].startswith("amazon.com: OK")


def test_a_failed_run_alerts_once_and_says_so_plainly(tmp_path, fake, inbox_target):
    fake.refresh_token_revoked = True
    config = tmp_path / "kit.toml"
    config.write_text('store = "store"\n' + spapi_table(fake)
                      + f'[alerts]\nurls = ["{inbox_target.json_url}"]\n', encoding="utf-8")
    first = cron("weekly", "--config", config)
    assert first.returncode == 3 and first.stdout == ""
    assert first.stderr.startswith("error: Amazon's login service refused the SP-API refresh")
    assert first.stderr.count("\n") == 1  # one paragraph
    assert len(inbox_target.bodies) == 1
    assert inbox_target.bodies[0]["title"] == "oos-analysis: the weekly run FAILED"
    second = cron("weekly", "--config", config)
    assert second.returncode == 3
    assert len(inbox_target.bodies) == 1  # the same failure is not mailed again
    written = everything_written(tmp_path / "store")
    for secret in SECRETS:
        assert secret not in first.stderr + written + json.dumps(inbox_target.bodies)


def test_three_accounts_one_broken(tmp_path, fake):
    notebook = tiny_notebook(tmp_path)
    lines = ['index = "site/index.html"']
    for name in ("alpha", "broken", "gamma"):
        folder = tmp_path / name
        folder.mkdir()
        secret = "not-the-secret" if name == "broken" else CLIENT_SECRET
        (folder / "oos-analysis.toml").write_text(
            f'notebook = "{notebook}"\n' + spapi_table(fake, secret=secret), encoding="utf-8")
        lines += ["[[account]]", f'name = "{name}"', f'config = "{name}/oos-analysis.toml"',
                  f'store = "{name}/store"', f'out = "{name}/reports"']
    accounts = tmp_path / "accounts.toml"
    accounts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = cron("weekly", "--accounts", accounts, "--jobs", "2")
    assert done.returncode == 1
    index = tmp_path / "site" / "index.html"
    assert done.stdout == f"{index}\n"
    errors = done.stderr.splitlines()
    assert len(errors) == 1 and errors[0].startswith("error: account broken failed: ")
    assert "refused" in errors[0]
    reports = sorted(tmp_path.glob("*/reports/*.html"))
    assert [p.parts[-3] for p in reports] == ["alpha", "gamma"]
    page = index.read_text()
    links = re.findall(r'<a href="([^"]+)">', page)
    assert sorted((index.parent / link).resolve() for link in links) == [p.resolve()
                                                                          for p in reports]
    assert page.count('class="badge failed"') == 1 and "broken" in page
    for secret in SECRETS:
        assert secret not in done.stdout + done.stderr + page


def test_weekly_with_an_empty_store_and_nothing_configured_fails_clearly(tmp_path, capsys):
    config = tmp_path / "kit.toml"
    config.write_text('store = "store"\n', encoding="utf-8")
    code = main(["weekly", "--config", str(config)])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert "is empty: nothing was fetched or imported" in err


def test_verbose_shows_the_log_on_stderr(tmp_path):
    from oos_analysis.weekly import run_account

    config = tmp_path / "kit.toml"
    config.write_text('store = "store"\n', encoding="utf-8")
    shown = io.StringIO()
    result = run_account(read_config(config), verbose=True, stderr=shown)
    assert result.exit_code == 1 and result.status == "FAILED"
    assert "weekly run of the account started" in shown.getvalue()
    assert "the run failed: the store" in shown.getvalue()


def test_the_log_blanks_out_secrets_and_keeps_stdout_clean(tmp_path, capsys):
    import logging

    from oos_analysis.weekly.logfile import run_log

    with run_log(tmp_path, secrets=[CLIENT_SECRET, "json://127.0.0.1:9/x"]):
        logging.getLogger("oos_analysis.fetch").info("token %s sent to %s", CLIENT_SECRET,
                                                     "json://127.0.0.1:9/x")
        print("a library that prints")
    log = (tmp_path / "weekly.log").read_text()
    assert "token *** sent to ***" in log and "a library that prints" in log
    assert CLIENT_SECRET not in log
    out, err = capsys.readouterr()
    assert out == "" and err == ""


def test_airflow_example_dag(tmp_path, monkeypatch):
    source = (ROOT / "docs" / "airflow_dag.py").read_text()
    compile(source, "airflow_dag.py", "exec")  # valid Python even where Airflow is missing
    pytest.importorskip("airflow", reason="Airflow is not installed")
    import runpy

    accounts = tmp_path / "accounts.toml"
    accounts.write_text('[[account]]\nname = "a"\n[[account]]\nname = "b.c"\n')
    monkeypatch.setenv("OOS_ANALYSIS_ACCOUNTS", str(accounts))
    dag = runpy.run_path(str(ROOT / "docs" / "airflow_dag.py"))["dag"]
    assert sorted(t.task_id for t in dag.tasks) == ["weekly_a", "weekly_b_c"]
    assert all("--account" in t.bash_command for t in dag.tasks)
