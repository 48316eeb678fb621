"""The ``GET_V2_SELLER_PERFORMANCE_REPORT`` JSON as a tidy frame: one row per marketplace and metric.

Amazon's schema (accountHealthReport-2020-11-18) names the cancel rate object
``preFulfillmentCancellationRate`` while its own example uses ``prefulfillmentCancelRate``; both are
read. Reporting ranges are UTC, with or without seconds (``2020-11-12T00:00Z``). Rates are kept as
the fractions Amazon sends (0.005 is half a percent), whatever the schema's prose says.
"""

from __future__ import annotations

import math
from typing import Any

from ..exceptions import ReportFormatError
from ..lazy import lazy_module
from . import schema
from .files import json_document, load

pd = lazy_module("pandas")  # imported on first use: `check` imports it while Arrow reads

__all__ = ["PERFORMANCE_COLUMNS", "read_seller_performance_table"]

PERFORMANCE_COLUMNS = {
    "marketplace_id": "str",
    "marketplace": "str",
    "account_status": "str",
    "metric": "str",
    "date_from": "datetime64[s, UTC]",
    "date_to": "datetime64[s, UTC]",
    "orders": "Int64",
    "defects": "Int64",
    "rate": "Float64",
    "target_value": "Float64",
    "target_condition": "str",
    "status": "str",
}
_METRIC_NAMES = {
    "preFulfillmentCancellationRate": "pre_fulfillment_cancel_rate",
    "prefulfillmentCancelRate": "pre_fulfillment_cancel_rate",
}
_TOTALS = ("orderCount", "shipmentCount", "shipmentCountWithValidTracking", "unitCount")


def _number(value: Any, where: str, source: str, *, whole: bool) -> float | None:
    if value is None:
        return None
    if isinstance(value, dict) and "count" in value:
        value = value["count"]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ReportFormatError(
            f"{where} is {value!r}; expected a number. The report is damaged: request it again.",
            source=source,
        )
    if whole and value != int(value):
        raise ReportFormatError(
            f"{where} is {value!r}; expected a whole number of orders. Request the report again.",
            source=source,
        )
    return int(value) if whole else float(value)


def _defects(entry: dict) -> Any:
    for key, value in entry.items():
        if key not in _TOTALS and key.endswith("Count"):
            return value
        if isinstance(value, dict) and "count" in value and "rate" in value:
            return value
    return None


def _rows(metric: str, entry: dict, base: dict, where: str, source: str) -> list[dict]:
    if not isinstance(entry, dict):
        return []
    if "rate" not in entry and "reportingDateRange" not in entry:
        # orderDefectRate nests one object per fulfillment channel (mfn, afn)
        rows = []
        for channel, inner in entry.items():
            if isinstance(inner, dict) and ("rate" in inner or "reportingDateRange" in inner):
                rows += _rows(f"{metric}_{schema.snake_case(channel)}", inner, base,
                              f"{where}.{channel}", source)
        return rows
    dates = entry.get("reportingDateRange") or {}
    orders = next((entry[k] for k in _TOTALS if k in entry), None)
    rate = entry.get("rate")
    if isinstance(rate, dict):
        rate = rate.get("rate")
    defects = _defects(entry)
    return [
        base
        | {
            "metric": metric,
            "date_from": dates.get("reportingDateFrom"),
            "date_to": dates.get("reportingDateTo"),
            "orders": _number(orders, f"{where}.orderCount", source, whole=True),
            "defects": _number(defects, f"{where} count", source, whole=True),
            "rate": _number(rate, f"{where}.rate", source, whole=False),
            "target_value": _number(entry.get("targetValue"), f"{where}.targetValue", source,
                                    whole=False),
            "target_condition": entry.get("targetCondition"),
            "status": entry.get("status"),
        }
    ]


def _timestamps(values: pd.Series, column: str, source: str) -> pd.Series:
    parsed = pd.to_datetime(values, format="ISO8601", utc=True, errors="coerce")
    bad = values.notna() & parsed.isna()
    if bad.any():
        raise ReportFormatError(
            f"reportingDateRange has {values[bad].iloc[0]!r} in {column}; expected a UTC time "
            "such as 2020-11-12T00:00Z. Request the report again.",
            source=source,
        )
    return parsed.astype("datetime64[s, UTC]")


def read_seller_performance_table(source):
    """Read the Seller Performance JSON; return (frame, encoding, warnings)."""
    loaded = load(source)
    doc = json_document(loaded)
    name = loaded.source
    metrics = doc.get("performanceMetrics") if isinstance(doc, dict) else None
    if not isinstance(metrics, list):
        raise ReportFormatError(
            "the JSON has no 'performanceMetrics' list; expected a "
            "GET_V2_SELLER_PERFORMANCE_REPORT document. Request that report again.",
            source=name,
        )
    statuses = {
        s.get("marketplaceId"): s.get("status")
        for s in doc.get("accountStatuses") or []
        if isinstance(s, dict)
    }
    rows: list[dict] = []
    for i, block in enumerate(metrics):
        if not isinstance(block, dict):
            continue
        market_id = block.get("marketplaceId")
        base = {
            "marketplace_id": market_id,
            "marketplace": schema.MARKETPLACE_IDS.get(market_id, market_id),
            "account_status": statuses.get(market_id),
        }
        for key, entry in block.items():
            metric = _METRIC_NAMES.get(key, schema.snake_case(key))
            rows += _rows(metric, entry, base, f"performanceMetrics[{i}].{key}", name)
    frame = pd.DataFrame(rows, columns=list(PERFORMANCE_COLUMNS))
    for column in ("date_from", "date_to"):
        frame[column] = _timestamps(frame[column], column, name)
    frame = frame.astype(PERFORMANCE_COLUMNS)
    warnings: list[str] = []
    frame = _percents_to_fractions(frame, rows_where(metrics), name, warnings)
    return frame, loaded.encoding, warnings


def rows_where(metrics) -> list[str]:
    """The JSON path of each metric entry, in the order :func:`_rows` emits rows."""
    paths = []
    for i, block in enumerate(metrics):
        if not isinstance(block, dict):
            continue
        for key, entry in block.items():
            if not isinstance(entry, dict):
                continue
            if "rate" not in entry and "reportingDateRange" not in entry:
                paths += [f"performanceMetrics[{i}].{key}.{channel}"
                          for channel, inner in entry.items()
                          if isinstance(inner, dict)
                          and ("rate" in inner or "reportingDateRange" in inner)]
            else:
                paths.append(f"performanceMetrics[{i}].{key}")
    return paths


def _percents_to_fractions(frame: pd.DataFrame, paths: list[str], name: str,
                           warnings: list[str]) -> pd.DataFrame:
    """Read a rate or target written as a percent (``2.5`` for 2.5 %) as the fraction it means.

    A rate above 1 cannot be a fraction of orders; neither can a target above 1. A rate that
    matches count / orders only once divided by 100 was written as a percent too. Each one
    converted is named (file and JSON field) in a warning; nothing is shown as a 96 % rate.
    """
    frame = frame.copy()
    for column, field in (("rate", "rate"), ("target_value", "targetValue")):
        values = frame[column].astype("float64")
        share = (frame["defects"].astype("float64") / frame["orders"].astype("float64")).where(
            frame["orders"].astype("float64") > 0)
        percent = values > 1
        if column == "rate":
            close = (share - values / 100).abs() <= 0.00005 + 0.01 * (values / 100).abs()
            far = (share - values).abs() > 0.00005 + 0.01 * values.abs()
            percent |= (close & far & (values > 0)).fillna(False)
        percent = percent.fillna(False).to_numpy(dtype=bool)
        for at in map(int, percent.nonzero()[0]):
            where = paths[at] if at < len(paths) else f"row {at}"
            warnings.append(
                f"{where}.{field} is {values.iloc[at]:g}, which reads as a percent; taken as "
                f"{values.iloc[at] / 100:g} ({values.iloc[at]:g} %). Amazon sends fractions "
                "(0.025 = 2.5 %): check that this JSON came from Amazon unchanged")
        if percent.any():
            frame.loc[percent, column] = values[percent] / 100
    frame = frame.astype(PERFORMANCE_COLUMNS)
    share = frame["defects"].astype("float64") / frame["orders"].astype("float64")
    odd = ((frame["orders"].astype("float64") > 0)
           & ((share - frame["rate"].astype("float64")).abs()
              > 0.00005 + 0.01 * frame["rate"].astype("float64").abs())).fillna(False)
    for at in map(int, odd.to_numpy(dtype=bool).nonzero()[0]):
        where = paths[at] if at < len(paths) else f"row {at}"
        warnings.append(
            f"{where}: Amazon's own figures disagree ({int(frame['defects'].iloc[at])} / "
            f"{int(frame['orders'].iloc[at])} = {share.iloc[at]:.4f}, rate "
            f"{frame['rate'].iloc[at]:.4f}); reconcile flags it")
    return frame
