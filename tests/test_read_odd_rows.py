"""A file with a few odd rows reads as the same file without them (issue 17, the fallback's speed).

The odd rows' fast paths are held against brute force:

* ``_line_map`` (newlines counted, each skipped row's text looked for) gives the line numbers a
  line-by-line count gives, for any mix of short rows, long rows, blank lines, repeated headers,
  duplicated odd rows, CRLF endings and a missing last newline, read a few bytes at a time.
* A multi-block export with short rows, repeated headers, blank lines and times without offset
  reads to the clean export's frame (the padded value empty, the naive times the same instants),
  each row numbered with its file line, the naive times counted and the first named: the odd rows
  go back in place by slicing, the repeated headers go by slicing, and only the pieces of a date
  block Arrow refuses are parsed by the kit.
"""

from __future__ import annotations

import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oos_analysis.exceptions import ReportFormatError
from oos_analysis.io import delimited
from oos_analysis.io.order_files import ALL_ORDERS_SPEC

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from common import write_all_orders  # noqa: E402

WIDTH = 4
HEAD = "a\tb\tc\td"
field = st.sampled_from(["", "x", "yy", "1", "zz z"])
line_kind = st.sampled_from(["good", "good", "good", "short", "long", "blank", "crblank", "header"])


def _brute_force(lines: list[str]) -> tuple[list[int], list[int], list[str]]:
    """(lines of rows kept, lines of rows skipped, skipped texts), counting line by line."""
    kept, odd, texts = [], [], []
    for number, text in enumerate(lines[1:], start=2):
        if text.rstrip("\r") == "":
            continue
        if len(text.rstrip("\r").split("\t")) == WIDTH:
            kept.append(number)
        else:
            odd.append(number)
            texts.append(text.rstrip("\r"))
    return kept, odd, texts


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(line_kind, st.lists(field, min_size=5, max_size=5)), max_size=25),
       st.booleans(), st.booleans(), st.integers(1, 40), st.randoms(use_true_random=False))
def test_line_numbers_of_odd_rows_are_a_line_by_line_count(rows, crlf, last_newline, chunk,
                                                           rng):
    lines = [HEAD]
    for kind, cells in rows:
        if kind == "blank":
            lines.append("")
        elif kind == "crblank":  # "\n\r\n" in a file of "\n" line ends: a blank line too
            lines.append("" if crlf else "\r")
        elif kind == "header":
            lines.append(HEAD)
        else:
            width = {"good": WIDTH, "short": WIDTH - 2, "long": WIDTH + 1}[kind]
            lines.append("\t".join(cells[:width]))
    end = "\r\n" if crlf else "\n"
    data = end.join(lines) + (end if last_newline else "")
    if not last_newline and lines[-1] in ("", "\r"):
        lines = lines[:-1]  # a last empty line without newline is no line at all
    kept, odd, texts = _brute_force([t + ("\r" if crlf else "") for t in lines])
    order = list(range(len(texts)))
    rng.shuffle(order)  # Arrow's threads may hand the skipped rows over in any order
    with pytest.MonkeyPatch.context() as patch, tempfile.TemporaryDirectory() as tmp:
        patch.setattr(delimited, "_CHUNK", chunk)
        found = delimited._line_map(data.encode(), "\t", len(kept), [texts[i] for i in order])
        # a file on disk is mapped rather than read: the same lines
        path = Path(tmp) / "odd.txt"
        path.write_bytes(data.encode())
        mapped = delimited._line_map(str(path), "\t", len(kept), [texts[i] for i in order])
    assert found is not None and mapped is not None
    assert [a.tolist() for a in mapped] == [a.tolist() for a in found]
    assert found[0].tolist() == kept
    # rows of the same text are alike, so they are numbered in file order whichever comes first
    given_texts = [texts[i] for i in order]
    expected = [sorted(odd[j] for j in order if texts[j] == t)[given_texts[:k].count(t)]
                for k, t in enumerate(given_texts)]
    assert found[1].tolist() == expected


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 150), st.integers(0, 80), st.randoms(use_true_random=False))
def test_odd_rows_are_placed_among_the_kept_ones_by_line(n_kept, n_odd, rng):
    import pyarrow as pa

    lines = rng.sample(range(2, 2 + n_kept + n_odd), n_kept + n_odd)
    kept_lines = np.sort(np.array(lines[:n_kept], dtype=np.int64))
    odd_lines = np.array(lines[n_kept:], dtype=np.int64)
    placing = delimited._Placing(kept_lines, odd_lines)  # a few by slicing, many by a take
    by_line = sorted(lines)
    assert placing.lines.tolist() == by_line
    cut = rng.randint(0, n_kept)  # a column of two blocks
    kept = pa.chunked_array([pa.array(kept_lines[:cut]), pa.array(kept_lines[cut:])], pa.int64())
    placed = placing(kept, pa.array(odd_lines, pa.int64()))
    assert placed.to_pylist() == by_line


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[list[str], pd.DataFrame]:
    path = write_all_orders(tmp_path_factory.mktemp("odd") / "clean.txt", 1200, seed=5)
    text = path.read_text(encoding="utf-8").split("\n")[:-1]
    return text, delimited.read_table(str(path), spec=ALL_ORDERS_SPEC).frame


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_odd_rows_in_a_multi_block_export_read_as_the_clean_export(clean, tmp_path_factory,
                                                                   data):
    lines, frame = clean
    header, body = lines[0], lines[1:]
    n = len(body)
    rows = st.integers(0, n - 1)
    short = data.draw(st.lists(rows, max_size=4, unique=True))
    naive = data.draw(st.lists(rows, max_size=6, unique=True))
    # (a padded row's times are noted on their own, so the rows with naive times are others)
    naive = [i for i in naive if body[i].split("\t")[2].endswith("+00:00") and i not in short]
    headers = data.draw(st.lists(st.tuples(rows, st.booleans()), max_size=3))
    blanks = data.draw(st.lists(rows, max_size=3))
    out, where = [header], {}
    before = {i: [] for i in range(n)}
    for i, bom in headers:
        before[i].append(("\ufeff" if bom else "") + header)
    for i in blanks:
        before[i].append("")
    for i, text in enumerate(body):
        out += before[i]
        cells = text.split("\t")
        if i in naive:
            cells[2] = cells[2][: -len("+00:00")]
        if i in short:
            cells = cells[:-1]  # Amazon leaves trailing fields out
        where[i] = len(out) + 1
        out.append("\t".join(cells))
    path = tmp_path_factory.mktemp("odd") / "odd.txt"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")

    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # blocks of 64 KiB: the file is several Arrow blocks, its bytes read 4 KiB at a time,
        # and a refused block of dates is halved down to 16 rows
        patch.setattr(delimited, "_BLOCK", 1 << 16)
        patch.setattr(delimited, "_CHUNK", 1 << 12)
        patch.setattr(delimited, "_PIECE", 16)
        table = delimited.read_table(str(path), spec=ALL_ORDERS_SPEC)

    expected = frame.copy()
    last = expected.columns[-1]
    assert last == "signature_confirmation_recommended"
    expected.loc[short, last] = pd.NA  # the value left out reads as empty
    pd.testing.assert_frame_equal(table.frame, expected)
    if short or naive or headers:
        assert table.lines is not None
    if table.lines is not None:
        assert table.lines.tolist() == [where[i] for i in range(n)]
    notes = [w for w in table.warnings if "no UTC offset" in w]
    if naive:
        first = where[min(naive)]
        assert notes == [f"{len(naive)} value(s) in 'purchase-date' have no UTC offset (first at "
                         f"line {first}); taken as UTC"]
    else:
        assert notes == []


def test_a_bad_time_in_a_refused_block_is_named_on_its_line(tmp_path):
    path = write_all_orders(tmp_path / "clean.txt", 400, seed=6)
    lines = path.read_text(encoding="utf-8").split("\n")
    cells = lines[300].split("\t")
    cells[2] = "2024-13-45T99:00:00"
    lines[300] = "\t".join(cells)
    cells = lines[40].split("\t")
    cells[2] = cells[2][:19]  # a time without offset earlier in the file: a note, not an error
    lines[40] = "\t".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(delimited, "_BLOCK", 1 << 14)
        patch.setattr(delimited, "_PIECE", 8)
        with pytest.raises(ReportFormatError) as caught:
            delimited.read_table(str(path), spec=ALL_ORDERS_SPEC)
    assert caught.value.line == 301
    assert "2024-13-45T99:00:00" in str(caught.value)


def test_dates_far_out_are_refused_from_the_arrow_column_as_from_pandas():
    values = np.array(["2024-07-18T00:00:00", "2999-01-01T00:00:00", None], dtype=object)
    import pyarrow as pa

    column = pa.chunked_array([pa.array(pd.to_datetime(values).astype("datetime64[s]"))
                               .cast(pa.timestamp("s", tz="UTC"))])
    with pytest.raises(ReportFormatError) as caught:
        delimited._check_dates_arrow(column, source="f", column="purchase-date",
                                     lines=lambda: np.array([2, 3, 4]))
    assert caught.value.line == 3
    delimited._check_dates_arrow(column.slice(0, 1), source="f", column="purchase-date",
                                 lines=lambda: np.array([2]))


def test_a_line_longer_than_a_block_is_read_again_in_longer_blocks(tmp_path):
    head = "amazon-order-id\tpurchase-date\torder-status\tfulfillment-channel\tsales-channel\tsku\n"
    row = "113-0000001-000000{}\t2024-07-18T18:52:47-07:00\tShipped\tMerchant\tAmazon.com\t{}\n"
    path = tmp_path / "long.txt"
    path.write_text(head + row.format(1, "a") + row.format(2, "x" * 20_000) + row.format(3, "b"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(delimited, "_BLOCK", 1 << 12)
        patch.setattr(delimited, "_BLOCK_MAX", 1 << 16)
        frame = delimited.read_table(str(path), spec=ALL_ORDERS_SPEC).frame
    assert frame["sku"].str.len().tolist() == [1, 20_000, 1]
    assert frame["order_id"].tolist() == [f"113-0000001-000000{i}" for i in (1, 2, 3)]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 70), max_size=12), st.booleans(), st.integers(8, 40))
def test_lines_fit_is_never_wrong_about_a_long_line(lengths, last_newline, cap):
    data = b"\n".join(b"x" * n for n in lengths) + (b"\n" if last_newline else b"")
    longest = max(lengths, default=0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(delimited, "_PROBE", 3)
        fits = delimited._lines_fit(data, cap)
    if longest > cap:
        assert not fits
    if longest < cap // 2:  # no window of cap // 2 bytes without a newline
        assert fits


def test_a_field_over_the_cap_in_a_column_check_and_rate_do_not_show_is_refused(tmp_path):
    from oos_analysis.io.order_files import read_all_orders_table
    from oos_analysis.io.readers import SUMMARY_COLUMNS
    from oos_analysis.metric.orders import INPUT_COLUMNS

    path = write_all_orders(tmp_path / "clean.txt", 50, seed=7)
    lines = path.read_text(encoding="utf-8").split("\n")
    cells = lines[31].split("\t")
    cells[9] = "y" * (delimited.FIELD_CAP + 1)  # the product name, a column neither shows
    lines[31] = "\t".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    for columns in (SUMMARY_COLUMNS["all_orders"], INPUT_COLUMNS["all_orders"]):
        with pytest.raises(ReportFormatError) as caught:
            read_all_orders_table(str(path), columns=columns)
        assert caught.value.line == 32 and "1,048,576 bytes" in str(caught.value)
    lines[31] = "\t".join([*cells[:9], "y" * 1000, *cells[10:]])
    path.write_text("\n".join(lines), encoding="utf-8")
    frame = read_all_orders_table(str(path), columns=SUMMARY_COLUMNS["all_orders"])[0]
    assert list(frame.columns) == ["order_id", "purchase_date", "marketplace", "sku", "sku_line"]
    assert len(frame) == 50


@pytest.mark.parametrize("bad", [["price"], ["price", "date"], ["price", "flag"]])
def test_columns_cast_meanwhile_refuse_in_column_order_with_the_same_paragraph(tmp_path, bad):
    """The casts of the next columns run in a second thread (``_Casts``); the value refused is
    still the first in column order (then in line order), with the paragraph the one-by-one
    conversion gives."""
    path = write_all_orders(tmp_path / "clean.txt", 600, seed=7)
    lines = path.read_text(encoding="utf-8").split("\n")
    where = {"price": (40, 15, "14,99"), "date": (500, 3, "2024-02-30T10:00:00+00:00"),
             "flag": (300, 29, "maybe")}  # line index, 0-based field, value
    for name in bad:
        at, i, value = where[name]
        cells = lines[at].split("\t")
        cells[i] = value
        lines[at] = "\t".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    errors = []
    for ahead, block in ((2, 1 << 14), (0, 1 << 30)):  # several blocks cast meanwhile; one block
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(delimited, "_BLOCK", block)
            patch.setattr(delimited._Casts, "AHEAD", ahead)
            with pytest.raises(ReportFormatError) as caught:
                delimited.read_table(str(path), spec=ALL_ORDERS_SPEC)
        errors.append((str(caught.value), caught.value.line))
    first = min(bad, key=lambda name: where[name][1])  # the leftmost column holding a bad value
    assert errors[0] == errors[1]
    assert errors[0][1] == where[first][0] + 1
    assert where[first][2] in errors[0][0]


@pytest.mark.parametrize("lengths", [[10, 10, 10], [3, 10, 4], [11], [2, 2, 11, 2], [], [0]])
def test_the_field_cap_is_checked_per_value_whatever_a_blocks_total(lengths):
    """A block whose bytes of a column stay under the cap is passed over; one above it has its
    values measured: many values at the cap are fine, one over it is refused on its line."""
    import pyarrow as pa

    values = ["v" * n for n in lengths]
    half = len(values) // 2
    column = pa.chunked_array([pa.array(values[:half], pa.large_string()),
                               pa.array(values[half:], pa.large_string()).slice(0)],
                              pa.large_string())
    table = pa.table({"c": column})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(delimited, "FIELD_CAP", 10)
        if max(lengths, default=0) > 10:
            with pytest.raises(ReportFormatError) as caught:
                delimited._check_field_lengths(table, ["sku"], lambda: np.arange(len(values)) + 2,
                                               "f")
            assert caught.value.line == lengths.index(max(lengths)) + 2
        else:
            delimited._check_field_lengths(table, ["sku"], lambda: np.arange(len(values)) + 2, "f")


@pytest.mark.parametrize("odd", ["header", "spaced", "bad", "none"])
def test_number_columns_only_checked_are_read_typed_and_again_once_as_text(tmp_path, odd):
    """``check`` and ``rate`` read the money columns only to check them: Arrow converts them as
    it parses. A value its parser refuses sends every such column back to text in one more read
    (not one per column), with the whole read's frame, warnings and refusals."""
    from oos_analysis.io.order_files import read_all_orders_table
    from oos_analysis.io.readers import SUMMARY_COLUMNS

    path = write_all_orders(tmp_path / "clean.txt", 300, seed=8)
    lines = path.read_text(encoding="utf-8").split("\n")
    if odd == "header":  # two exports concatenated: every number column refuses a line
        lines.insert(150, lines[0])
    elif odd in ("spaced", "bad"):
        cells = lines[200].split("\t")
        cells[16] = " 1.25 " if odd == "spaced" else "1.2.5"  # item-tax
        lines[200] = "\t".join(cells)
    path.write_text("\n".join(lines), encoding="utf-8")
    reads = []
    real = delimited._arrow_read

    def counted(*args, **kw):
        reads.append(sorted(kw["as_text"]))
        return real(*args, **kw)

    outcomes = []
    for columns in (None, SUMMARY_COLUMNS["all_orders"]):
        reads.clear()
        with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            patch.setattr(delimited, "_arrow_read", counted)
            patch.setattr(delimited, "_BLOCK", 1 << 14)
            try:
                frame, _, notes = read_all_orders_table(str(path), columns=columns)
                outcomes.append((frame, notes))
            except ReportFormatError as exc:
                outcomes.append((str(exc), exc.line))
        if columns is not None:
            typed = {"quantity", "item-price", "item-tax", "shipping-price", "shipping-tax",
                     "gift-wrap-price", "gift-wrap-tax", "item-promotion-discount",
                     "ship-promotion-discount"}
            assert typed.isdisjoint(reads[0])  # read typed first
            # Arrow's parser takes " 1.25 " (as the kit's parser does): no second read
            assert len(reads) == (2 if odd in ("header", "bad") else 1)
            if len(reads) == 2:
                assert typed <= set(reads[1])
    if odd == "bad":
        assert outcomes[0] == outcomes[1]
        assert outcomes[0][1] == 201 and "'1.2.5'" in outcomes[0][0]
    else:
        (whole, whole_notes), (some, some_notes) = outcomes
        pd.testing.assert_frame_equal(some, whole[list(some.columns)])
        assert some_notes == whole_notes
        assert any("header line appears" in n for n in whole_notes) == (odd == "header")
        if odd == "spaced":
            assert whole.loc[199, "item_tax"] == 1.25  # file line 201
