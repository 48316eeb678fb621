"""Buyer data never leaves the kit, even from a row whose values shifted into the wrong columns.

An Order Report row carrying a buyer's name, e-mail, phone and street address is written with one
field missing, or one empty field inserted, at every position (hypothesis draws the position and
the buyer). Whatever the kit makes of the file - a read, a warning or an error - no message,
warning, table, CSV, JSON, HTML or log line may contain any of those values.
"""

from __future__ import annotations

import io
import logging
import warnings
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oos_analysis.cli import main
from oos_analysis.exceptions import OOSAnalysisError
from oos_analysis.io.readers import read_exports

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HEADER = (FIXTURES / "order-report-2025-all-columns.txt").read_text().splitlines()[0].split("\t")
ORDERS = FIXTURES / "all-orders-2022-real.txt"

buyers = st.fixed_dictionaries({
    "name": st.from_regex(r"[A-Z][a-z]{4,8} [A-Z][a-z]{4,9}", fullmatch=True),
    "email": st.from_regex(r"[a-z]{4,8}\.[a-z]{3,8}[0-9]{2}@example\.(com|org)", fullmatch=True),
    "phone": st.from_regex(r"\+1 [2-9][0-9]{2}-555-0[0-9]{3}", fullmatch=True),
    "street": st.from_regex(r"[1-9][0-9]{2,3} [A-Z][a-z]{4,8} (Street|Avenue|Road)",
                            fullmatch=True),
})


def _row(buyer: dict) -> list[str]:
    values = {"order-id": "113-8871452-8288246", "order-item-id": "60251069014968",
              "purchase-date": "2022-07-18T18:52:47+00:00", "reporting-date":
              "2022-07-18T19:00:00+00:00", "days-past-promise": "0", "quantity-purchased": "1",
              "quantity-shipped": "0", "quantity-to-ship": "1", "number-of-items": "1",
              "sku": "2J-D6V7-C8XI", "product-name": "Mug", "ship-service-level": "Standard",
              "ship-service-name": "Std US D2D Dom", "sales-channel": "Amazon.com",
              "is-business-order": "false", "is-prime": "false",
              "buyer-email": buyer["email"], "buyer-name": buyer["name"],
              "recipient-name": buyer["name"], "buyer-phone-number": buyer["phone"],
              "ship-phone-number": buyer["phone"], "ship-address-1": buyer["street"],
              "ship-city": "SEATTLE", "ship-state": "WA", "ship-postal-code": "98101",
              "ship-country": "US"}
    return [values.get(h, "") for h in HEADER]


def _read_said(path: Path) -> str:
    """What reading ``path`` gives: its frames as CSV, JSON, HTML and table, warnings, errors."""
    said = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            exports = read_exports([path])
            for frame in (exports.order_report, *(f.frame for f in exports.files)):
                said += [frame.to_csv(), frame.to_json(), frame.to_html(), frame.to_string()]
            said.append(exports.summary().to_string())
        except OOSAnalysisError as exc:
            said.append(str(exc))
    return "\n".join(said + [str(w.message) for w in caught])


@settings(max_examples=2)
@given(buyer=buyers)
def test_every_shifted_position_reads_without_the_buyer(buyer, tmp_path_factory):
    folder = tmp_path_factory.mktemp("every")
    for at in range(len(HEADER)):
        for missing in (True, False):
            row = _row(buyer)
            if missing:
                del row[at]
            else:
                row.insert(at, "")
            path = folder / f"order-report-{at}-{missing}.txt"
            path.write_text("\t".join(HEADER) + "\n" + "\t".join(row) + "\n", encoding="utf-8")
            said = _read_said(path)
            for value in (*buyer.values(), buyer["email"].split("@")[0]):
                assert value not in said, (at, missing, value)


def _everything_said(path: Path, capsys) -> str:
    """Every text the kit produces from ``path``: messages, warnings, logs, tables, CSV, JSON, HTML."""
    said = []
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    logging.getLogger().addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                exports = read_exports([path])
                for frame in (exports.order_report, *(f.frame for f in exports.files)):
                    said += [frame.to_csv(), frame.to_json(), frame.to_html(),
                             frame.to_string()]
                said.append(exports.summary().to_string())
            except OOSAnalysisError as exc:
                said.append(str(exc))
        said += [str(w.message) for w in caught]
        for argv in (["check", str(path)], ["rate", str(ORDERS), str(path), "--format", "csv"],
                     ["rate", str(ORDERS), str(path), "--format", "json"]):
            main(argv)
            out, err = capsys.readouterr()
            said += [out, err]
    finally:
        logging.getLogger().removeHandler(handler)
    return "\n".join(said) + log.getvalue()


@settings(max_examples=8, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(buyer=buyers, data=st.data())
def test_no_output_contains_a_buyers_data_whatever_the_shift(buyer, data, tmp_path_factory,
                                                               capsys):
    row = _row(buyer)
    at = data.draw(st.integers(0, len(row) - 1), label="position")
    if data.draw(st.booleans(), label="field missing (else one inserted)"):
        del row[at]
    else:
        row.insert(at, "")
    path = tmp_path_factory.mktemp("shifted") / "order-report.txt"
    path.write_text("\t".join(HEADER) + "\n" + "\t".join(row) + "\n", encoding="utf-8")
    said = _everything_said(path, capsys)
    for value in buyer.values():
        assert value not in said
    assert buyer["email"].split("@")[0] not in said
