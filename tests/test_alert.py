"""Alerts: the decision rules, the message, and delivery through Apprise to a local server."""

from __future__ import annotations

import pytest
from http_capture import CaptureServer

from oos_analysis.alert import AlertError, AlertSettings, alert_settings, compose, decide, send
from oos_analysis.config import Config
from oos_analysis.exceptions import ParameterError


@pytest.mark.parametrize(
    ("previous", "current", "failed", "every_run", "notify"),
    [
        ({"us": "OK"}, {"us": "OK"}, False, False, False),      # unchanged OK: silence
        ({"us": "OK"}, {"us": "OK"}, False, True, True),        # unless asked for
        (None, {"us": "OK"}, False, False, False),              # first run, all OK
        (None, {"us": "NO DATA"}, False, False, True),          # first run, something wrong
        ({"us": "OK"}, {"us": "NO DATA"}, False, False, True),  # change
        ({"us": "BREACH"}, {"us": "OK"}, False, False, True),   # recovery is news too
        ({"us": "AT RISK"}, {"us": "AT RISK"}, False, False, True),  # unchanged but urgent
        ({"us": "BREACH"}, {"us": "BREACH"}, False, False, True),
        ({"us": "NO DATA"}, {"us": "NO DATA"}, False, False, False),  # told once already
        ({"us": "OK"}, {"us": "OK"}, True, False, True),        # failed run
        ({"us": "OK", "jp": "OK"}, {"us": "OK"}, False, False, True),  # a marketplace vanished
    ],
)
def test_decide(previous, current, failed, every_run, notify):
    assert decide(previous, current, failed=failed, notify_unchanged_ok=every_run).notify is notify


def test_decide_rejects_an_unknown_status():
    with pytest.raises(ParameterError, match="not one of OK, AT RISK, BREACH, NO DATA"):
        decide(None, {"us": "FINE"})


def test_message_is_short_and_capped():
    markets = [{"marketplace": "amazon.com", "status": "BREACH", "reason": "rate 3.1%",
                "actions": [f"action {i}" for i in range(8)]},
               {"marketplace": "amazon.co.jp", "status": "OK", "reason": "", "actions": []}]
    title, body = compose("acme", markets, report="/r/x.html")
    assert title == "oos-analysis acme: BREACH"
    assert body.splitlines() == [
        "amazon.com: BREACH - rate 3.1%",
        "  today: action 0", "  today: action 1", "  today: action 2", "  today: action 3",
        "  today: action 4", "  ... and 3 more in the report",
        "amazon.co.jp: OK",
        "report: /r/x.html",
    ]
    title, body = compose("acme", [], error="error: the token was refused")
    assert title == "oos-analysis acme: the weekly run FAILED"
    assert body == "error: the token was refused"


def test_send_through_apprise_json_to_a_local_server():
    pytest.importorskip("apprise")
    server = CaptureServer().start()
    try:
        settings = alert_settings(Config({"alerts": {"urls": [server.json_url]}}))
        assert settings.notify_unchanged_ok is False
        assert server.json_url not in repr(settings)
        assert send(settings, "oos-analysis acme: AT RISK", "amazon.com: AT RISK - x",
                    level="warning")
    finally:
        server.stop()
    assert len(server.bodies) == 1
    sent = server.bodies[0]
    assert sent["title"] == "oos-analysis acme: AT RISK"
    assert sent["message"] == "amazon.com: AT RISK - x"
    assert sent["type"] == "warning"


def test_undelivered_alert_returns_false_and_names_no_url(caplog):
    pytest.importorskip("apprise")
    server = CaptureServer(status=500).start()
    try:
        with caplog.at_level("WARNING", logger="oos_analysis"):
            assert not send(AlertSettings((server.json_url,)), "t", "b")
    finally:
        server.stop()
    assert "target 1 (json)" in caplog.text and server.json_url not in caplog.text


def test_alerts_without_apprise_say_how_to_install(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "apprise", None)
    with pytest.raises(AlertError, match=r"pip install 'oos_analysis\[alerts\]'") as caught:
        send(AlertSettings(("json://127.0.0.1:9/x",)), "t", "b")
    assert caught.value.exit_code == 8 and "127.0.0.1" not in str(caught.value)


def test_no_urls_sends_nothing_and_bad_urls_are_explained():
    assert send(AlertSettings(()), "t", "b") is True
    pytest.importorskip("apprise")
    with pytest.raises(AlertError, match="url number 1 \\(kind 'nosuchservice'\\)"):
        send(AlertSettings(("nosuchservice://secret-token@host",)), "t", "b")
    with pytest.raises(ParameterError, match="must be a list"):
        alert_settings(Config({"alerts": {"urls": 5}}))
