"""Opening export files: gzip, byte-order marks, text encodings and what kind of report a file is.

Amazon serves report documents gzip-compressed or plain, in UTF-8, cp1252 or (amazon.co.jp) cp932,
sometimes with a UTF-8 byte-order mark; spreadsheets re-save them as UTF-16 "Unicode text". This
module turns any of those into UTF-8 bytes and tells which export the content is, from the content
alone, so a user can hand the kit any mix of files without naming them. Files are only ever read.
"""

from __future__ import annotations

import codecs
import csv
import errno
import gzip
import json
import os
import re
import stat
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..exceptions import InputFileError, ReportFormatError, UnknownReportError
from . import schema

__all__ = [
    "KIND_LABELS",
    "Loaded",
    "source_name",
    "read_head",
    "load",
    "detect_encoding",
    "detect_kind",
    "header_fields",
]

KIND_LABELS = {
    schema.ALL_ORDERS: "All Orders report",
    schema.ORDER_REPORT: "Order Report / Unshipped Orders report",
    schema.CANCEL_DOWNLOAD: "Pre-fulfillment cancel rate download",
    schema.SELLER_PERFORMANCE: "Seller Performance report (JSON)",
    schema.STOCKOUT_LOG: "stock-out log",
}
"""Human names of the report kinds, as the command line and error messages print them."""

_KINDS_READ = (
    "the kit reads: the All Orders report (by order date or last update), the Order Report or "
    "Unshipped Orders report, the Account Health pre-fulfillment cancel rate download, the "
    "GET_V2_SELLER_PERFORMANCE_REPORT JSON and the kit's own stock-out log"
)
_GZIP_MAGIC = b"\x1f\x8b"
_HEAD_BYTES = 1 << 16
_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")

Source = str | os.PathLike | IO[bytes] | IO[str]


@dataclass(frozen=True)
class Loaded:
    """A file's content as UTF-8 bytes (decompressed, BOM removed) and the encoding it came in."""

    source: str
    data: bytes
    encoding: str


def source_name(source: Any) -> str:
    """Return a short description of ``source`` for messages: its path or ``<buffer>``."""
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else "<buffer>"


def require_regular(path: str | os.PathLike) -> None:
    """Raise one paragraph unless ``path`` is a regular file (after following symlinks).

    A FIFO would block the command forever, a symlink loop or a device is no report; a folder is
    named as such.
    """
    name = os.fspath(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputFileError(
            f"{name}: no such file. Check the path (a relative path is taken from the folder "
            "you run the command in)."
        ) from None
    except OSError as exc:
        what = ("a symbolic link that leads back to itself" if exc.errno == errno.ELOOP
                else f"a path the system cannot open ({exc.strerror})")
        raise InputFileError(f"{name}: this is {what}, not a report file. Pass the downloaded "
                             "file itself.") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputFileError(
            f"{name}: this is a folder, not a report file. Pass the report files inside it."
        )
    if not stat.S_ISREG(info.st_mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else
                "a socket" if stat.S_ISSOCK(info.st_mode) else "a device")
        raise InputFileError(
            f"{name}: this is {kind}, not a regular file; the kit reads only saved files. Save "
            "the report to a file and pass that."
        )


def _raw_bytes(source: Any, limit: int | None = None) -> tuple[bytes, bool]:
    """Read bytes (at most ``limit``) from a path or file object; True when it was text already."""
    name = source_name(source)
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        require_regular(path)
        try:
            with path.open("rb") as fh:
                return (fh.read() if limit is None else fh.read(limit)), False
        except FileNotFoundError:
            raise InputFileError(
                f"{name}: no such file. Check the path (a relative path is taken from the folder "
                "you run the command in)."
            ) from None
        except IsADirectoryError:
            raise InputFileError(
                f"{name}: this is a folder, not a report file. Pass the report files inside it."
            ) from None
        except PermissionError:
            raise InputFileError(f"{name}: permission denied when opening the file.") from None
    if not hasattr(source, "read"):
        raise InputFileError(
            f"cannot read {type(source).__name__!r}: pass a file path or an open file object."
        )
    position = source.tell() if hasattr(source, "seekable") and source.seekable() else None
    content = source.read() if limit is None else source.read(limit)
    if position is not None and limit is not None:
        source.seek(position)
    if isinstance(content, str):
        try:
            return content.encode("utf-8"), True
        except UnicodeEncodeError as exc:
            raise ReportFormatError(
                f"the text holds an invalid character (a lone surrogate) at position {exc.start}; "
                "it cannot come from a saved file. Pass the file itself instead.",
                source=name,
            ) from None
    return bytes(content), False


def _gunzip(data: bytes, name: str, *, partial: bool) -> bytes:
    if not data.startswith(_GZIP_MAGIC):
        return data
    if partial:
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            return decoder.decompress(data, _HEAD_BYTES)
        except zlib.error:
            pass
    else:
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            pass
    raise ReportFormatError(
        "the file starts like a gzip archive but cannot be decompressed (it is truncated or "
        "damaged). Download the report again.",
        source=name,
    )


def _strip_bom(data: bytes) -> tuple[bytes, str | None]:
    """Remove a byte-order mark; UTF-16 content is re-encoded to UTF-8."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:], "utf-8-sig"
    for bom, enc in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            body = data[2:]
            body = body[: len(body) - len(body) % 2]
            return body.decode(enc, errors="replace").encode("utf-8"), "utf-16"
    return data, None


def read_head(source: Source) -> tuple[str, bool, str | None]:
    """Return the first ~64 KiB of ``source`` as text, whether it is gzipped, and its encoding.

    The encoding is the BOM's (``utf-8-sig``, ``utf-16``) or the one detected on those bytes
    (None for binary content).

    The text is used to recognise the report, not to read values: it is cut at the last complete
    line and NUL bytes are left for :func:`detect_kind` to report.
    """
    name = source_name(source)
    raw, _ = _raw_bytes(source, _HEAD_BYTES)
    compressed = raw.startswith(_GZIP_MAGIC)
    if compressed:
        raw, _ = _raw_bytes(source, None)
        raw = _gunzip(raw, name, partial=True)
    data, found = _strip_bom(raw)
    if len(raw) >= _HEAD_BYTES and b"\n" in data:
        data = data[: data.rindex(b"\n") + 1]
    if found is None and b"\x00" not in data:
        found = detect_encoding(data, source=name)
        data = data.decode(found).encode("utf-8")
    return data.decode("utf-8", errors="replace"), compressed, found


def _valid_utf8(data: bytes) -> bool:
    if data.isascii():
        return True
    decoder = codecs.getincrementaldecoder("utf-8")()
    step = 1 << 24
    try:
        for begin in range(0, len(data), step):
            decoder.decode(data[begin : begin + step])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(data: bytes, *, source: str = "<buffer>") -> str:
    """Guess the text encoding of BOM-free ``data``: UTF-8, else cp932, else cp1252.

    cp932 (Japanese Windows) is chosen over cp1252 when the file mentions amazon.co.jp or the text
    decoded as cp932 contains kana; Western text rarely decodes to kana by accident.

    Examples
    --------
    >>> detect_encoding("注文".encode("utf-8"))
    'utf-8'
    >>> detect_encoding("在庫切れ".encode("cp932"))
    'cp932'
    >>> detect_encoding("Crème brûlée".encode("cp1252"))
    'cp1252'
    """
    if _valid_utf8(data):
        return "utf-8"
    cp932 = cp1252 = None
    try:
        cp932 = data.decode("cp932")
    except UnicodeDecodeError:
        pass
    if cp932 is not None and (b"amazon.co.jp" in data.lower() or _KANA.search(cp932)):
        return "cp932"
    try:
        cp1252 = data.decode("cp1252")
    except UnicodeDecodeError:
        pass
    if cp1252 is not None:
        return "cp1252"
    if cp932 is not None:
        return "cp932"
    raise ReportFormatError(
        "the file is not text in UTF-8, cp932 (Japanese Windows) or cp1252 (Western Windows). "
        "If you know its encoding, pass it explicitly (encoding=... or --encoding); otherwise "
        "download the report again from Seller Central.",
        source=source,
    )


def load(source: Source, *, encoding: str | None = None) -> Loaded:
    """Read a whole file as UTF-8 bytes: gunzip, strip a BOM, detect or apply the encoding.

    Parameters
    ----------
    source : str, PathLike or file object
        The file; a text file object is taken as already decoded.
    encoding : str, optional
        Override the detection (any codec name Python knows, e.g. ``"cp932"``).

    Returns
    -------
    Loaded
        ``data`` is UTF-8 without BOM; ``encoding`` is what the file was in.
    """
    name = source_name(source)
    raw, was_text = _raw_bytes(source)
    raw = _gunzip(raw, name, partial=False)
    data, bom = _strip_bom(raw)
    if was_text:
        return Loaded(name, data, "text")
    if encoding is not None:
        try:
            info = codecs.lookup(encoding)
        except LookupError:
            raise ReportFormatError(
                f"unknown encoding {encoding!r}; use a name such as 'utf-8', 'cp932' or 'cp1252'.",
                source=name,
            ) from None
        codec = info.name
        if not getattr(info, "_is_text_encoding", True):
            raise ReportFormatError(
                f"{encoding!r} is not a text encoding (it transforms text or bytes, it does not "
                "decode a file); use a name such as 'utf-8', 'cp932' or 'cp1252', or leave the "
                "encoding out to let the kit detect it.",
                source=name,
            )
        if bom == "utf-16" or codec == "utf-8":
            return Loaded(name, data, bom or codec)
        try:
            text = data.decode(codec)
            _require_header_like(text, codec, name)
            return Loaded(name, text.encode("utf-8"), codec)
        except UnicodeDecodeError as exc:
            raise ReportFormatError(
                f"the bytes at offset {exc.start} are not valid {codec}; the file is in another "
                "encoding. Leave the encoding out to let the kit detect it.",
                source=name,
            ) from None
    if bom is not None:
        return Loaded(name, data, bom)
    found = detect_encoding(data, source=name)
    if found != "utf-8":
        data = data.decode(found).encode("utf-8")
    return Loaded(name, data, found)


def _require_header_like(text: str, codec: str, name: str) -> None:
    """Refuse an encoding under which the first line is no header (``cp500`` on an ASCII file)."""
    first = text[:_HEAD_BYTES].lstrip("\ufeff").split("\n", 1)[0]
    if not first.strip() or first.lstrip()[:1] in "{[<":
        return
    printable = sum(c.isprintable() or c in "\t\r" for c in first[:512])
    if ("\t" not in first and "," not in first) or printable < 0.95 * min(len(first), 512):
        raise ReportFormatError(
            f"decoded as {codec}, the first line is not a header of tab- or comma-separated "
            "names, so the file is not in that encoding. Leave the encoding out to let the kit "
            "detect it, or name the encoding the file was saved in (utf-8, cp932, cp1252).",
            source=name,
        )


def header_fields(line: str) -> tuple[list[str], str]:
    """Split a header line into field names and return them with the delimiter (tab or comma).

    Names lose byte-order marks (a file saved twice, or two downloads concatenated, can carry
    two), surrounding spaces and quotes; a quoted name may hold a comma.

    Examples
    --------
    >>> header_fields('"Order ID","Order Date"')
    (['Order ID', 'Order Date'], ',')
    >>> header_fields('\ufeff\ufeffOrder ID, Order Date, "Notes, internal"')
    (['Order ID', 'Order Date', 'Notes, internal'], ',')
    """
    line = line.rstrip("\r\n").replace("\ufeff", "")
    delimiter = "\t" if "\t" in line or "," not in line else ","
    if delimiter == ",":
        fields = next(csv.reader([line], skipinitialspace=True), [])
    else:
        fields = line.split("\t")
    return [f.strip().strip('"').strip() for f in fields], delimiter


_ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")


def _api_error(text: str) -> str | None:
    """``code: message`` of an SP-API error body (``{"errors": [...]}``), or None."""
    try:
        doc = json.loads(text)
    except ValueError:
        found = re.search(r'"errors"\s*:\s*\[\s*\{.*?"code"\s*:\s*"([^"]*)"', text, re.S)
        return found.group(1) if found else None
    errors = doc.get("errors") if isinstance(doc, dict) else None
    if not isinstance(errors, list) or not errors:
        return None
    said = []
    for error in errors[:3]:
        if isinstance(error, dict):
            code, message = str(error.get("code", "")), str(error.get("message", ""))
            said.append(f"{code} ({message})" if message else code)
    return "; ".join(s for s in said if s) or "no code given"


def _xml_error(text: str) -> str:
    code = re.search(r"<Code>(.*?)</Code>", text, re.S)
    message = re.search(r"<Message>(.*?)</Message>", text, re.S)
    said = ": ".join(m.group(1).strip() for m in (code, message) if m)
    return f" (it says {said!r})" if said else ""


def detect_kind(head: str, *, source: str = "<buffer>") -> str:
    """Tell which export ``head`` (the first lines of a file, as text) is.

    Returns one of :data:`oos_analysis.io.schema.REPORT_KINDS`; raises :class:`ReportFormatError` for
    empty, HTML, XML error and binary files and :class:`UnknownReportError` for anything else.

    Examples
    --------
    >>> detect_kind("amazon-order-id\\tpurchase-date\\torder-status\\n")
    'all_orders'
    >>> detect_kind("Order ID,Order Date,Impacts Account Health\\n")
    'cancel_download'
    """
    text = head.lstrip("\ufeff \t\r\n")
    if not text:
        raise ReportFormatError(
            "the file is empty (not even a header line). The download probably failed: "
            "download the report again from Seller Central.",
            source=source,
        )
    lowered = text[:512].lower()
    sample = text[:4096]
    # a NUL inside a field of a text file is read as it is; NULs in the header or everywhere
    # (UTF-16 without a byte-order mark, a spreadsheet, an archive) mean it is not text
    if "\x00" in sample.split("\n", 1)[0] or sample.count("\x00") > max(8, len(sample) // 64):
        raise ReportFormatError(
            "the file is binary, not a text report (it contains NUL or undecodable bytes). If it "
            "is a spreadsheet (.xlsx), save it as tab-delimited text; otherwise download the "
            "report again.",
            source=source,
        )
    if lowered.startswith("<?xml") or lowered.startswith("<error"):
        raise ReportFormatError(
            "this is an error page from Amazon's storage, not a report"
            f"{_xml_error(text[:4096])}: the download failed or its link expired (links last "
            "five minutes). Download the report again.",
            source=source,
        )
    if lowered.startswith(("<!doctype", "<html")) or "<html" in lowered[:200]:
        raise ReportFormatError(
            "this is a web page (HTML) saved instead of the report - often the Seller Central "
            "sign-in page. Use the report's Download button and pass the downloaded .txt file.",
            source=source,
        )
    if text[0] in "{[":
        if "performanceMetrics" in text or "accountStatuses" in text:
            return schema.SELLER_PERFORMANCE
        said = _api_error(text)
        if said is not None:
            raise ReportFormatError(
                f"Amazon returned an error instead of the report: {said}. Nothing was read. "
                "Request the report again; if the error repeats, check the app's authorisation "
                "in Seller Central (Apps and Services, Manage Your Apps) and its roles.",
                source=source,
            )
        raise UnknownReportError(
            "this JSON document has no 'performanceMetrics' or 'accountStatuses', so it is not a "
            f"GET_V2_SELLER_PERFORMANCE_REPORT. {_KINDS_READ[0].upper()}{_KINDS_READ[1:]}.",
            source=source,
        )
    fields, _ = header_fields(text.splitlines()[0])
    names = {schema.snake_case(f) for f in fields}
    if fields and _ORDER_ID.match(fields[0]):
        width = len(fields)
        expected = ("the All Orders report's header, 'amazon-order-id', 'merchant-order-id', "
                    "'purchase-date', 'last-updated-date', 'order-status', ..."
                    if width < 36 else "the Order Report's header, 'order-id', "
                    "'order-item-id', 'purchase-date', 'payments-date', ...")
        raise ReportFormatError(
            f"the header line seems to be missing: the first line is already an order "
            f"({fields[0]}, {width} fields). Expected {expected} as the first line. Download the "
            "report again; if you copied rows out of a report, copy its first line with them.",
            source=source,
            line=1,
        )
    if {"amazon_order_id", "order_status"} <= names:
        return schema.ALL_ORDERS
    if {"order_id", "order_item_id"} <= names:
        return schema.ORDER_REPORT
    if {"order_id", "impacts_account_health"} <= names:
        return schema.CANCEL_DOWNLOAD
    if {"order_id", "resolution"} <= names and len(names & set(schema.STOCKOUT_LOG_COLUMNS)) >= 4:
        return schema.STOCKOUT_LOG
    shown = ", ".join(fields[:6]) + (", ..." if len(fields) > 6 else "")
    looks = ""
    if {"seller_sku", "item_name"} & names or {"sku", "asin", "price"} <= names:
        looks = " It looks like an inventory or listings report."
    elif "amazon_order_id" in names or "order_id" in names:
        looks = " It has order ids but not the columns of any order export the kit reads."
    raise UnknownReportError(
        f"not a report the kit reads: the header starts with {shown!r}.{looks} "
        f"{_KINDS_READ[0].upper()}{_KINDS_READ[1:]}. Pass one of those instead.",
        source=source,
    )


def json_document(loaded: Loaded) -> Any:
    """Parse a loaded JSON document or raise :class:`ReportFormatError` naming the line."""
    try:
        return json.loads(loaded.data.decode("utf-8"))
    except json.JSONDecodeError as exc:
        raise ReportFormatError(
            f"the JSON is malformed at column {exc.colno} ({exc.msg}); the download was probably "
            "cut short. Download the report again.",
            source=loaded.source,
            line=exc.lineno,
        ) from None
