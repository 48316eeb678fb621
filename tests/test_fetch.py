"""``oos-analysis fetch`` against a local fake SP-API (tests/fake_spapi.py): no network.

Covers the token exchange, report creation, polling through IN_PROGRESS to DONE, the gzip
document, throttling with backoff, CANCELLED, FATAL with its error document, an expired access
token, a revoked refresh token, an unregistered marketplace, a download cut in the middle, a
missing extra, and that a second fetch asks only for what is new. Expected values are computed
from the served files with the csv module, not with the kit's readers.
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

pytest.importorskip("sp_api")

from fake_spapi import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, FakeSpApi  # noqa: E402

from oos_analysis import store as store_mod  # noqa: E402
from oos_analysis.cli import main  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore::oos_analysis.exceptions.DataQualityWarning")

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "us"
ALL = "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"
ORDERS = "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING"
PERF = "GET_V2_SELLER_PERFORMANCE_REPORT"
DOCUMENTS = {
    ALL: (SAMPLE / "all-orders.txt").read_bytes(),
    ORDERS: (SAMPLE / "order-report.txt").read_bytes(),
    PERF: (SAMPLE / "seller-performance.json").read_bytes(),
}
SECRETS = (REFRESH_TOKEN, CLIENT_ID, CLIENT_SECRET, "Atza|fake-access", "Atz.sprdt|",
           "presignedsecret")


@pytest.fixture
def fake():
    server = FakeSpApi(documents=dict(DOCUMENTS)).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _no_env_credentials(monkeypatch):
    for name in ("SP_API_REFRESH_TOKEN", "LWA_APP_ID", "LWA_CLIENT_SECRET",
                 "OOS_ANALYSIS_CONFIG", "SP_API_DEFAULT_MARKETPLACE"):
        monkeypatch.delenv(name, raising=False)


def write_config(folder: Path, fake: FakeSpApi, *, credentials=True, **spapi) -> Path:
    table = {"marketplaces": ["amazon.com"], "poll_seconds": 0.001, "backoff_seconds": 0.001,
             "retries": 3, "endpoint": fake.url, "token_url": f"{fake.url}/auth/o2/token"}
    if credentials:
        table.update(refresh_token=REFRESH_TOKEN, lwa_app_id=CLIENT_ID,
                     lwa_client_secret=CLIENT_SECRET)
    table.update(spapi)
    lines = ['store = "store"', "[spapi]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in table.items()]
    path = folder / "oos-analysis.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(capsys, *argv):
    code = main(["fetch", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def no_secrets(*texts):
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def newest_update(data: bytes) -> datetime:
    rows = csv.DictReader(data.decode("utf-8").splitlines(), delimiter="\t")
    return max(datetime.fromisoformat(r["last-updated-date"]) for r in rows)


def test_fetch_saves_untouched_imports_and_next_fetch_asks_only_new(tmp_path, fake, capsys):
    fake.in_progress_polls = 2
    config = write_config(tmp_path, fake)
    code, out, err = run(capsys, "--config", config)
    assert code == 0, err
    # one token exchange (the fake checks client id, secret and refresh token), three reports
    assert fake.count("token") == 1
    created = fake.created()
    assert [c["reportType"] for c in created] == [ALL, ORDERS, PERF]
    assert all(c["marketplaceIds"] == ["ATVPDKIKX0DER"] for c in created)
    # every report polled through IN_PROGRESS twice, then DONE
    assert fake.count("getReport") == 3 * 3
    # first run: the last 30 days
    start = datetime.fromisoformat(created[0]["dataStartTime"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(created[0]["dataEndTime"].replace("Z", "+00:00"))
    assert end - start == timedelta(days=30)
    assert "dataStartTime" not in created[2]
    # the documents were gzip on the wire; saved gunzipped and byte for byte
    saved = sorted((tmp_path / "store" / "downloads").glob("amazon.com_*"))
    assert [p.name.split("_")[1] for p in saved] == ["all-orders", "order-report",
                                                     "seller-performance"]
    assert [p.read_bytes() for p in saved] == [DOCUMENTS[ALL], DOCUMENTS[ORDERS], DOCUMENTS[PERF]]
    assert out.count("saved   ") == 3 and "3 report(s) saved and imported" in out
    # the order report's document needed a restricted data token for exactly its path
    rdt = [r for r in fake.requests if r["op"] == "restrictedDataToken"]
    assert len(rdt) == 1
    path = rdt[0]["json"]["restrictedResources"][0]["path"]
    assert path.startswith("/reports/2021-06-30/documents/") and ORDERS in path
    # imported: the store holds every order item of the served All Orders report
    lines = DOCUMENTS[ALL].decode().splitlines()
    held = store_mod.contents(tmp_path / "store")
    assert int(held.loc[held["kind"] == "all_orders", "rows"].iloc[0]) == len(lines) - 1
    # second run: only what is new, from the newest update minus two days
    code, out2, err2 = run(capsys, "--config", config)
    assert code == 0, err2
    second = fake.created()[3:]
    expected = newest_update(DOCUMENTS[ALL]) - timedelta(days=2)
    for body in second[:2]:
        assert body["dataStartTime"] == expected.strftime("%Y-%m-%dT%H:%M:%SZ")
    no_secrets(out, err, out2, err2)


def test_throttling_backs_off_then_succeeds(tmp_path, fake):
    from oos_analysis.config import read_config
    from oos_analysis.fetch import fetch_reports, spapi_settings

    fake.throttle = {"createReport": 2, "getReport": 1, "getReportDocument": 1}
    settings = spapi_settings(read_config(write_config(tmp_path, fake, backoff_seconds=0.5)))
    pauses = []
    done = fetch_reports(settings, store=tmp_path / "store", downloads=tmp_path / "dl",
                         sleep=pauses.append)
    assert list(done["status"]) == ["saved"] * 3
    backoff = [p for p in pauses if p >= 0.5]
    # 2 for createReport (0.5 then 1.0), 1 for getReport, 1 for getReportDocument
    assert backoff == [0.5, 1.0, 0.5, 0.5]
    assert fake.count("createReport") == 3 + 2


def test_throttling_that_never_ends_is_exit_5(tmp_path, fake, capsys):
    fake.throttle = {"createReport": 100}
    code, out, err = run(capsys, "--config", write_config(tmp_path, fake))
    assert code == 5
    assert "429" in err and "3 retries" in err
    assert fake.count("createReport") == 4  # the first try and three retries
    no_secrets(out, err)


def test_cancelled_is_no_data_not_an_error(tmp_path, fake, capsys):
    fake.final_status = {ALL: "CANCELLED"}
    config = write_config(tmp_path, fake)
    code, out, err = run(capsys, "--config", config)
    assert code == 0, err
    assert "empty   amazon.com all-orders: Amazon found no data" in out
    names = [p.name for p in (tmp_path / "store" / "downloads").glob("amazon.com_*")]
    assert not any("all-orders" in n for n in names) and len(names) == 2
    ledger = json.loads((tmp_path / "store" / "downloads" / "ledger.json").read_text())
    end = fake.created()[0]["dataEndTime"]
    assert ledger["amazon.com"]["all-orders"].startswith(end[:16].replace("Z", ""))
    # the next run starts two days before the range Amazon said was empty ended
    code, _, _ = run(capsys, "--config", config)
    again = fake.created()[3]
    expected = datetime.fromisoformat(end.replace("Z", "+00:00")) - timedelta(days=2)
    assert again["dataStartTime"] == expected.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_fatal_shows_the_error_document_and_keeps_the_others(tmp_path, fake, capsys):
    fake.final_status = {ORDERS: "FATAL"}
    fake.error_document = '{"errorDetails": "Report date range exceeds the allowed 30 days."}'
    code, out, err = run(capsys, "--config", write_config(tmp_path, fake))
    assert code == 6
    assert "FATAL" in err and "Report date range exceeds the allowed 30 days." in err
    held = store_mod.contents(tmp_path / "store")
    kinds = set(held.loc[held["rows"] > 0, "kind"])
    assert {"all_orders", "seller_performance"} <= kinds and "order_report" not in kinds
    no_secrets(out, err)


def test_expired_access_token_is_renewed_once_then_exit_3(tmp_path, fake, capsys):
    fake.access_tokens_expired = True
    code, out, err = run(capsys, "--config", write_config(tmp_path, fake))
    assert code == 3
    assert "refused access" in err and "authorise it again" in err
    assert fake.count("token") == 2  # the first token and one renewal
    assert fake.count("createReport") == 0
    no_secrets(out, err)


def test_settings_repr_hides_credentials(tmp_path, fake):
    from oos_analysis.config import read_config
    from oos_analysis.fetch import spapi_settings

    settings = spapi_settings(read_config(write_config(tmp_path, fake)))
    no_secrets(repr(settings), str(settings))
    assert sorted(settings.secrets()) == sorted([REFRESH_TOKEN, CLIENT_ID, CLIENT_SECRET])


def test_revoked_refresh_token_is_exit_3(tmp_path, fake, capsys):
    fake.refresh_token_revoked = True
    code, out, err = run(capsys, "--config", write_config(tmp_path, fake))
    assert code == 3
    assert "refused the SP-API refresh token" in err and "invalid_grant" in err
    no_secrets(out, err)


def test_missing_credentials_name_the_variables(tmp_path, fake, capsys):
    code, out, err = run(capsys, "--config", write_config(tmp_path, fake, credentials=False))
    assert code == 3
    for name in ("SP_API_REFRESH_TOKEN", "LWA_APP_ID", "LWA_CLIENT_SECRET"):
        assert name in err
    assert fake.requests == []


def test_credentials_from_the_environment(tmp_path, fake, capsys, monkeypatch):
    monkeypatch.setenv("SP_API_REFRESH_TOKEN", REFRESH_TOKEN)
    monkeypatch.setenv("LWA_APP_ID", CLIENT_ID)
    monkeypatch.setenv("LWA_CLIENT_SECRET", CLIENT_SECRET)
    config = write_config(tmp_path, fake, credentials=False)
    code, out, err = run(capsys, "--config", config, "--no-import")
    assert code == 0, err
    assert "not imported" in out and not (tmp_path / "store" / "CURRENT").exists()
    no_secrets(out, err)


def test_unregistered_marketplace_is_exit_4(tmp_path, fake, capsys):
    code, out, err = run(capsys, "--config", write_config(tmp_path, fake),
                         "--marketplace", "amazon.co.jp")
    assert code == 4
    assert "not registered in amazon.co.jp" in err
    assert fake.count("createReport") == 0


def test_an_unknown_marketplace_name_is_refused_before_any_request(tmp_path, fake, capsys):
    code, out, err = run(capsys, "--config", write_config(tmp_path, fake),
                         "--marketplace", "amazon.moon")
    assert code == 1 and "unknown marketplace 'amazon.moon'" in err
    assert fake.requests == []


def test_cut_download_leaves_nothing_half_written(tmp_path, fake, capsys):
    fake.cut_downloads = {ALL}
    code, out, err = run(capsys, "--config", write_config(tmp_path, fake))
    assert code == 7
    assert "network error" in err and "Nothing half-written" in err
    downloads = tmp_path / "store" / "downloads"
    assert [p.name for p in downloads.iterdir()] == []
    assert not (tmp_path / "store" / "CURRENT").exists()
    no_secrets(out, err)


def test_endpoint_and_token_url_on_the_command_line(tmp_path, fake, capsys):
    config = tmp_path / "kit.toml"
    config.write_text(
        f'[spapi]\nrefresh_token = "{REFRESH_TOKEN}"\nlwa_app_id = "{CLIENT_ID}"\n'
        f'lwa_client_secret = "{CLIENT_SECRET}"\npoll_seconds = 0.001\n', encoding="utf-8")
    code, out, err = run(capsys, "--config", config, "--marketplace", "amazon.com",
                         "--endpoint", fake.url, "--token-url", f"{fake.url}/auth/o2/token",
                         "--store", tmp_path / "s")
    assert code == 0, err
    assert len(list((tmp_path / "s" / "downloads").glob("*.txt"))) == 2


def test_without_the_extra_fetch_says_how_to_install(tmp_path, fake, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "sp_api", None)
    monkeypatch.setitem(sys.modules, "sp_api.api", None)
    code, out, err = run(capsys, "--config", write_config(tmp_path, fake))
    assert code == 8
    assert "pip install 'oos_analysis[spapi]'" in err
