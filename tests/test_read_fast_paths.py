"""The reader's fast paths against the slow, obvious computations they replace (issue 17).

* The one-marketplace check finds an order on two marketplaces exactly when a set per order does.
* No (order id, SKU) pair on two rows means no older version to drop and every ``sku_line`` 0:
  the short cut gives what the two passes give.
* Reading some columns gives the whole read's columns, and refuses a file the whole read refuses
  with the same paragraph (hostile fixtures included).
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oos_analysis.exceptions import OOSAnalysisError, ReportFormatError
from oos_analysis.io import order_files
from oos_analysis.io.order_files import (
    _check_channels,
    _drop_older_versions,
    _repeated_pairs,
    number_lines,
    read_all_orders_table,
)
from oos_analysis.io.readers import SUMMARY_COLUMNS, read_exports
from oos_analysis.metric.orders import INPUT_COLUMNS

ROOT = Path(__file__).resolve().parent
FIXTURES = sorted(p for p in (ROOT / "fixtures").rglob("*") if p.is_file() and p.suffix != ".py")
SAMPLE = sorted((ROOT.parent / "data" / "sample" / "us").iterdir())

ids_st = st.lists(st.sampled_from(["111-0000001-0000001", "111-0000002-0000002", "X", None]),
                  min_size=0, max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_an_order_on_two_marketplaces_is_found_as_a_set_per_order_finds_it(data):
    ids = data.draw(ids_st)
    markets = data.draw(st.lists(st.sampled_from(["amazon.com", "amazon.ca", "non-amazon", None]),
                                 min_size=len(ids), max_size=len(ids)))
    frame = pd.DataFrame({"order_id": pd.Series(ids, dtype="str"),
                          "marketplace": pd.Series(markets, dtype="str"),
                          "sales_channel": pd.Series(markets, dtype="str")})
    seen: dict = {}
    for order, market in zip(ids, markets, strict=True):
        if order is not None and market is not None:
            seen.setdefault(order, set()).add(market)
    mixed = [order for order, found in seen.items() if len(found) > 1]
    lines = np.arange(len(ids)) + 2
    codes, names = pd.factorize(frame["marketplace"])
    arrow = {c: pa.chunked_array([pa.array(v, pa.large_string())])
             for c, v in (("order_id", ids), ("sales_channel", markets))}

    def check():
        _check_channels(pd.factorize(frame["order_id"])[0], (codes, list(names)), lines, "f",
                        order_ids=arrow["order_id"], channels=arrow["sales_channel"])

    if not mixed:
        check()
        return
    with pytest.raises(ReportFormatError) as caught:
        check()
    # the order of the first row naming a marketplace among the orders that name two
    first = next(o for o, m in zip(ids, markets, strict=True) if o in mixed and m is not None)
    assert f"order {first} has items" in str(caught.value)
    assert (f"({len(mixed)} such orders in the file)" in str(caught.value)) == (len(mixed) > 1)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_no_repeated_pair_means_the_two_passes_change_nothing(data):
    ids = data.draw(ids_st)
    skus = data.draw(st.lists(st.sampled_from(["A", "B", "", None]), min_size=len(ids),
                              max_size=len(ids)))
    hours = data.draw(st.lists(st.integers(0, 3), min_size=len(ids), max_size=len(ids)))
    frame = pd.DataFrame({
        "order_id": pd.Series(ids, dtype="str"),
        "sku": pd.Series(skus, dtype="str"),
        "last_updated_date": pd.to_datetime(hours, unit="h", utc=True),
        "item_status": pd.Series(["shipped"] * len(ids), dtype="str"),
    })
    codes, _ = pd.factorize(frame["order_id"])
    pairs = [(o, s or "") for o, s in zip(ids, skus, strict=True)]  # missing SKU is empty here
    repeated = len(set(pairs)) < len(pairs)
    assert _repeated_pairs(codes, frame["sku"]) == repeated
    arrow = pa.chunked_array([pa.array(skus, pa.large_string())], pa.large_string())
    assert _repeated_pairs(codes, arrow) == repeated
    if not repeated:
        kept, _ = _drop_older_versions(frame, [], codes)
        assert len(kept) == len(frame)
        assert not number_lines(frame, first=codes).any()


def _exports(files, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return read_exports([str(f) for f in files], **kw), None
        except OOSAnalysisError as exc:
            return None, str(exc)


@pytest.mark.parametrize("path", [None, *FIXTURES], ids=lambda p: "sample" if p is None else
                         str(p.relative_to(ROOT / "fixtures")))
def test_some_columns_are_the_whole_reads_columns_and_refusals_are_the_same(path):
    files = SAMPLE if path is None else [path]
    whole, refused = _exports(files)
    # what rate reads, and what check reads (where the statuses are mapped only if needed)
    for wanted in (INPUT_COLUMNS, SUMMARY_COLUMNS):
        some, refused_some = _exports(files, columns=wanted)
        assert refused_some == refused
        if whole is None:
            return
        for kind, names in wanted.items():
            full, cut = getattr(whole, kind), getattr(some, kind)
            assert set(names) & set(full.columns) <= set(cut.columns)
            assert set(cut.columns) <= set(full.columns)
            assert list(cut.columns) == [c for c in full.columns if c in cut.columns]
            pd.testing.assert_frame_equal(cut, full[list(cut.columns)])
        for one, other in zip(whole.files, some.files, strict=True):
            assert one.warnings == other.warnings


def test_a_bad_number_in_a_column_not_asked_for_is_still_refused_on_its_line():
    text = ("amazon-order-id\tpurchase-date\torder-status\tfulfillment-channel\tsales-channel\t"
            "sku\tproduct-name\tquantity\n"
            "111-0000001-0000001\t2024-07-18T10:00:00+00:00\tShipped\tMerchant\tAmazon.com\tA\tx\t1\n"
            "111-0000002-0000002\t2024-07-18T11:00:00+00:00\tShipped\tMerchant\tAmazon.com\tB\ty\ttwo\n")
    with pytest.raises(ReportFormatError, match="line 3.*'quantity'.*'two' where a whole number"):
        read_all_orders_table(io.StringIO(text), columns=INPUT_COLUMNS["all_orders"])
    frame, _, _ = read_all_orders_table(io.StringIO(text.replace("\ttwo\n", "\t2\n")),
                                        columns=INPUT_COLUMNS["all_orders"])
    assert "quantity" not in frame and "product_name" not in frame
    assert frame["sku_line"].tolist() == [0, 0]


def test_the_module_keeps_the_two_passes_for_repeated_pairs():
    text = ("amazon-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\t"
            "sales-channel\tsku\n"
            "111-0000001-0000001\t2024-07-18T10:00:00Z\t2024-07-18T10:00:00Z\tPending\tMerchant\t"
            "Amazon.com\tA\n"
            "111-0000001-0000001\t2024-07-18T10:00:00Z\t2024-07-19T10:00:00Z\tShipped\tMerchant\t"
            "Amazon.com\tA\n")
    frame, _, notes = order_files.read_all_orders_table(io.StringIO(text))
    assert len(frame) == 1 and frame["order_status"].tolist() == ["shipped"]
    assert "older versions" in notes[0]


id_text = st.one_of(
    st.none(),
    st.sampled_from(["111-0000001-0000001", "113-8871452-8288246", "S01-9", "", "X",
                     "111-000000a-0000001", "111-0000001-00000011", "١١١-0000001-0000001"]),
    st.text(alphabet="0123456789-", min_size=17, max_size=20),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(id_text, max_size=15),
       st.lists(st.sampled_from(["amazon.com", "non-amazon", None]), min_size=15, max_size=15))
def test_order_ids_counted_as_integers_are_what_the_text_gives(ids, markets):
    from oos_analysis.io.order_files import _check_ids
    from oos_analysis.io.order_keys import _arrow_key_codes, key_codes, order_keys
    from oos_analysis.io.readers import _distinct

    values = pd.Series(ids, dtype="str")
    keys = order_keys(values)[0]
    # pandas' hash table (pandas imported) and Arrow's (`check`, without pandas) agree
    assert key_codes(keys).tolist() == pd.factorize(values)[0].tolist()
    assert _arrow_key_codes(keys).tolist() == pd.factorize(values)[0].tolist()
    assert _distinct(values) == values.nunique()
    markets = markets[:len(ids)]
    codes, names = pd.factorize(pd.Series(markets, dtype="str"))
    lines = np.arange(len(ids)) + 2
    by_key: list[str] = []
    _check_ids(pa.chunked_array([pa.array(ids, pa.large_string())]), keys,
               (codes, list(names)), lines, by_key)
    # the rule as text: a present id not of the 3-7-7 ASCII digit form, on an Amazon marketplace
    odd = [i for i, (v, m) in enumerate(zip(ids, markets, strict=True))
           if v is not None and m not in (None, "non-amazon")
           and not re.fullmatch(r"[0-9]{3}-[0-9]{7}-[0-9]{7}", v)]
    if not odd:
        assert by_key == []
    else:
        assert len(by_key) == 1
        assert by_key[0].startswith(f"{len(odd)} order id(s) are not of Amazon's")
        assert f"(first {ids[odd[0]]!r} at line {odd[0] + 2})" in by_key[0]


@pytest.mark.parametrize("path", [*SAMPLE, *FIXTURES], ids=lambda p: str(p.name))
def test_orders_counted_at_read_are_the_frames_distinct_order_ids(path):
    from oos_analysis.io.readers import read_export

    for columns in (None, SUMMARY_COLUMNS):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                export = read_export(str(path), columns=columns)
            except OOSAnalysisError:
                return
        if export.kind != "all_orders":
            assert export.orders is None
            return
        assert export.orders == export.frame["order_id"].nunique()


_cell = st.text(alphabet=st.sampled_from(list("0123-9 \"'\ufeffaAmMzZ@[İıſKk-Order-ID")),
                max_size=24)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), _cell), max_size=8), st.integers(1, 4),
       st.sampled_from(["amazon-order-id", "Amazon-Order-ID", "order-id", "ID"]))
def test_a_column_without_letters_holds_no_header_however_cased(cells, pieces, header):
    import pyarrow as pa
    import pyarrow.compute as pc

    from oos_analysis.io.delimited import _may_hold_letters

    size = -(-max(len(cells), 1) // pieces)
    chunks = [pa.array(cells[i:i + size], pa.large_string()) for i in range(0, len(cells), size)]
    column = pa.chunked_array(chunks, pa.large_string())
    # the case-blind search the prefilter spares: it never finds a header where none may be
    found = pc.any(pc.match_substring(column, header, ignore_case=True)).as_py() or any(
        header.lower() in c.lower() for c in cells if c is not None)
    for chunk in column.chunks:  # each block is looked at alone
        values = [c for c in chunk.to_pylist() if c is not None]
        assert _may_hold_letters(chunk) == any(ord(ch) > 0x40 for c in values for ch in c)
    if found:
        assert any(_may_hold_letters(chunk) for chunk in column.chunks)
    # a slice of a chunk keeps its whole buffer: the answer may be True, never a wrong False
    if len(cells) > 1:
        tail = chunks[0].slice(1)
        if any(ord(ch) > 0x40 for c in tail.to_pylist() if c is not None for ch in c):
            assert _may_hold_letters(tail)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["", " Shipped", "Canceled", "Pending",
                                                         "shipped", "Ünïcode"])), max_size=15),
       st.sampled_from(["str", "object"]))
def test_distinct_values_are_the_factorized_uniques(values, dtype):
    series = pd.Series(values, dtype=dtype)
    got = order_files._distinct_values(series)
    assert len(got) == len(set(got))
    assert set(got) == {v for v in values if v is not None}


@pytest.mark.parametrize("odd", [None, " 111-0000003-0000003\t", "", "  ", "S01-7 "])
def test_order_ids_are_stripped_unless_all_are_exactly_amazons_form(tmp_path, odd):
    head = "amazon-order-id\tpurchase-date\torder-status\tfulfillment-channel\tsales-channel\tsku"
    ids = ["111-0000001-0000001", "111-0000002-0000002", "111-0000001-0000001"]
    if odd is not None:
        ids.insert(1, odd.replace("\t", " "))
    rows = [f"{i}\t2024-07-18T10:00:00+00:00\tShipped\tMerchant\tAmazon.com\tA{n}"
            for n, i in enumerate(ids)]
    path = tmp_path / "orders.txt"
    path.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    counts: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame, _, notes = read_all_orders_table(str(path), counts=counts)
    # what the text gives, stripped by hand: an id of spaces or nothing is missing
    expected = [i.strip() or None for i in ids]
    assert [None if pd.isna(v) else v for v in frame["order_id"]] == expected
    assert str(frame["order_id"].dtype) == "str"
    assert counts["orders"] == len({i for i in expected if i is not None})
    assert any("not of Amazon's 3-7-7" in n for n in notes) == (odd is not None
                                                                 and odd.strip() == "S01-7")


_flag = st.sampled_from(["true", "True", "TRUE", "tRUe", "yes", "Yes", "YES", "false", "False",
                         "no", "NO", "nO", "", " yes", "maybe", "1", "İ"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), _flag), max_size=6), max_size=4))
def test_arrows_flag_conversion_is_the_lowercase_true_yes_false_no_rule(chunks):
    import pyarrow as pa

    from oos_analysis.io.delimited import _cast_text

    column = pa.chunked_array([pa.array(c, pa.large_string()) for c in chunks],
                              pa.large_string())
    values = [v for c in chunks for v in c]
    meaning = {"true": True, "yes": True, "false": False, "no": False}
    got = _cast_text(column, "bool")
    if any(v is not None and v.lower() not in meaning for v in values):
        assert got is None  # the kit's own parser takes the column, naming the line
    else:
        assert got.type == pa.bool_()
        assert got.to_pylist() == [None if v is None else meaning[v.lower()] for v in values]


def _read_with(files, monkeypatch, in_thread: int):
    monkeypatch.setattr(order_files, "_IN_THREAD", in_thread)
    return _exports(files), _exports(files, columns=SUMMARY_COLUMNS)


@pytest.mark.parametrize("path", [None, *FIXTURES], ids=lambda p: "sample" if p is None else
                         str(p.relative_to(ROOT / "fixtures")))
def test_order_ids_worked_out_in_a_second_thread_give_the_same_read(path, monkeypatch):
    # a big file's ids are keyed in a thread; forced here on every file (a threshold of 0 rows),
    # the frames, warnings and refusals are those of the same work done in turn
    files = SAMPLE if path is None else [path]
    inline = _read_with(files, monkeypatch, 1 << 62)
    threaded = _read_with(files, monkeypatch, 0)
    for (one, one_refused), (other, other_refused) in zip(inline, threaded, strict=True):
        assert one_refused == other_refused
        if one is None:
            assert other is None
            continue
        for kind in ("all_orders", "order_report", "cancel_download"):
            pd.testing.assert_frame_equal(getattr(one, kind), getattr(other, kind))
        assert [f.warnings for f in one.files] == [f.warnings for f in other.files]


@pytest.mark.parametrize("odd", [" 111-0000003-0000003", "", "S01-7 "])
def test_ids_stripped_in_the_thread_reach_the_frame(tmp_path, monkeypatch, odd):
    monkeypatch.setattr(order_files, "_IN_THREAD", 0)
    test_order_ids_are_stripped_unless_all_are_exactly_amazons_form(tmp_path, odd)


def _id_threads():
    """The ids' threads still alive once given a moment to end (a pool's worker ends just after
    its result is set)."""
    import threading

    for thread in threading.enumerate():
        if thread.name.startswith("oos-order-ids"):
            thread.join(timeout=10)
    return [t for t in threading.enumerate() if t.name.startswith("oos-order-ids")]


def test_a_refused_file_leaves_no_thread_behind(monkeypatch):
    monkeypatch.setattr(order_files, "_IN_THREAD", 0)
    text = ("amazon-order-id\tpurchase-date\torder-status\tfulfillment-channel\tsales-channel\t"
            "sku\n"
            "111-0000001-0000001\t2024-07-18T10:00:00+00:00\tShipped\tMerchant\tAmazon.com\tA\n"
            "111-0000001-0000001\t2024-07-18T10:00:00+00:00\tShipped\tMerchant\tAmazon.ca\tB\n")
    with pytest.raises(ReportFormatError, match="two sales channels"):
        read_all_orders_table(io.StringIO(text))
    assert not _id_threads()
    # refused by the reader after it handed the ids over (a date column comes after them)
    handed = []
    real = order_files._id_codes

    def watched(ids, keys=None):
        handed.append(ids)
        return real(ids, keys)

    monkeypatch.setattr(order_files, "_id_codes", watched)
    with pytest.raises(ReportFormatError, match="line 3"):
        read_all_orders_table(io.StringIO(text.replace("2024-07-18T10:00:00+00:00\tShipped\t"
                                                       "Merchant\tAmazon.ca",
                                                       "yesterday\tShipped\tMerchant\tAmazon.ca")))
    assert len(handed) == 1 and not isinstance(handed[0], pd.Series)
    assert not _id_threads()

    # an error in this thread while the ids are worked out in the other: that error comes out,
    # and the other thread is waited for
    def broken(values):
        raise RuntimeError("the marketplace mapping failed")

    monkeypatch.setattr(order_files, "arrow_codes", broken)
    with pytest.raises(RuntimeError, match="marketplace mapping failed"):
        read_all_orders_table(io.StringIO(text))
    assert not _id_threads()


def _summary_row(path) -> dict | str:
    from oos_analysis.io.readers import read_export, summarise

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            export = read_export(str(path), columns=SUMMARY_COLUMNS)
        except OOSAnalysisError as exc:
            return str(exc)
    row = summarise([export]).iloc[0].to_dict()
    return {k: None if not isinstance(v, str) and pd.isna(v) else v for k, v in row.items()}


def _file_row(path) -> dict | str:
    from oos_analysis.io.readers import summarise_file

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return summarise_file(str(path))
        except OOSAnalysisError as exc:
            return str(exc)


@pytest.mark.parametrize("path", [*SAMPLE, *FIXTURES], ids=lambda p: str(p.name))
def test_a_files_summary_on_arrow_columns_is_its_frames_summary(path):
    # `check` summarises most All Orders reports on their Arrow columns: the same row as the
    # frame's summary (or the same refusal), value for value
    assert _file_row(path) == _summary_row(path)


def test_summaries_agree_on_every_profile_and_on_edited_reports(tmp_path):
    from oos_analysis.sample.profiles import PROFILES, generate_profile

    files = []
    for profile in PROFILES:
        files += generate_profile(tmp_path / profile, profile).values()
    head, *rows = (SAMPLE[0].parent / "all-orders.txt").read_text(
        encoding="utf-8").splitlines(keepends=True)
    col = {name: i for i, name in enumerate(head.rstrip("\n").split("\t"))}

    def edited(name, edits, extra=()):
        out = [r.split("\t") for r in rows]
        for i, column, value in edits:
            out[i][col[column]] = value
        path = tmp_path / f"{name}.txt"
        path.write_text(head + "".join("\t".join(r) for r in out) + "".join(extra),
                        encoding="utf-8")
        return path

    first = rows[0].split("\t")
    files += [
        edited("strip", [(3, "amazon-order-id", " 111-0000001-0000001 ")]),
        edited("odd-ids", [(5, "amazon-order-id", "S01-1234"), (6, "amazon-order-id", "  ")]),
        edited("channels", [(2, "sales-channel", ""), (4, "sales-channel", "Non-Amazon")]),
        edited("statuses", [(4, "order-status", "Frobbed"), (5, "item-status", "Odd - x")]),
        edited("mangled", [(4, "order-status", "Canc\x01elled")]),
        edited("two-markets", [], ["\t".join(first[:col["sales-channel"]] + ["Amazon.ca"]
                                             + first[col["sales-channel"] + 1:])]),
        edited("older", [], ["\t".join(first[:col["last-updated-date"]]
                                       + ["2026-12-01T00:00:00+00:00"]
                                       + first[col["last-updated-date"] + 1:])]),
    ]
    for path in files:
        assert _file_row(path) == _summary_row(path), path
