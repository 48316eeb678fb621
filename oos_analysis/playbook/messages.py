"""The cancellation-request message the playbook sends when no source has stock.

Step 2 of the source playbook (``cancellation-rules.md`` section 1) asks the buyer to cancel
through Amazon's own procedure, because only that official request keeps the cancellation out of
the Cancellation Rate (section 2: a request made only by message still counts). The message has
six parts, in this order: thanks for the purchase, an apology, the honest reason (sold out at
every source), the request to cancel through "Request cancellation" in Your Orders, the URL of
that marketplace's cancellation help page, and an apology again. It never suggests a reason for
the buyer to pick and never asks for a reply instead of the procedure.

Texts are Jinja2 templates shipped in ``oos_analysis/playbook/templates`` (``request_en.txt.j2``,
``reminder_en.txt.j2``, ``request_ja.txt.j2``, ``reminder_ja.txt.j2``). A folder given as
``template_dir`` is searched first, so a file there with the same name replaces the shipped one.
Rendering runs in Jinja2's sandbox with undefined variables as errors; product names are data and
are printed as they are, never evaluated. No buyer name or other personal data is used.

Template variables: ``order_id``, ``product_name`` (may be None), ``sku``, ``marketplace``,
``cancellation_url``, ``shop_name`` and, for the reminder, ``first_request`` (the day of the first
request: Japan time for amazon.co.jp, UTC elsewhere).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ..exceptions import InputFileError, ParameterError, ReportFormatError
from ..io.schema import NON_AMAZON

__all__ = [
    "CANCELLATION_URLS",
    "HELP_NODE",
    "TEMPLATE_DIR",
    "cancellation_url",
    "message_language",
    "render_message",
    "cancellation_message",
    "cancellation_messages",
]

TEMPLATE_DIR = Path(__file__).parent / "templates"
"""Folder of the shipped templates."""

_HELP_PATH = "/gp/help/customer/display.html?nodeId="
HELP_NODE = "GSL37WQTJZUYA9QE"
"""Amazon's current buyer help page for cancelling items and orders, on .com, .co.uk and .co.jp."""
CANCELLATION_URLS: dict[str, str] = {
    "amazon.com": f"https://www.amazon.com{_HELP_PATH}{HELP_NODE}",
    "amazon.co.uk": f"https://www.amazon.co.uk{_HELP_PATH}{HELP_NODE}",
    "amazon.co.jp": f"https://www.amazon.co.jp{_HELP_PATH}{HELP_NODE}",
}
"""The buyer's cancellation help page per marketplace: the one table of help links. The page
the kit pointed to before (nodeId 595034 on .com, 201890660 on .co.jp) was years old. Other Amazon
marketplaces get the same page id on their own domain, which the kit has not checked (see
:func:`cancellation_url`); pass ``urls=`` to the functions below to override any entry."""

_JAPANESE = {"amazon.co.jp"}
# The reminder names the day of the first request as the buyer saw it; elsewhere UTC is as good
# a guess as any of a country's several zones.
_LOCAL_TZ = {"amazon.co.jp": "Asia/Tokyo"}


def cancellation_url(marketplace: str, *, urls: Mapping[str, str] | None = None) -> str:
    """Return the URL of the marketplace's own cancellation help page.

    Parameters
    ----------
    marketplace : str
        The kit's marketplace name, such as ``"amazon.co.uk"``.
    urls : mapping, optional
        Entries that replace or extend :data:`CANCELLATION_URLS`.

    Examples
    --------
    >>> cancellation_url("amazon.co.jp")
    'https://www.amazon.co.jp/gp/help/customer/display.html?nodeId=GSL37WQTJZUYA9QE'
    >>> cancellation_url("amazon.ca")
    'https://www.amazon.ca/gp/help/customer/display.html?nodeId=GSL37WQTJZUYA9QE'
    """
    table = {**CANCELLATION_URLS, **(urls or {})}
    if marketplace in table:
        return table[marketplace]
    if not isinstance(marketplace, str) or not marketplace.startswith("amazon.") or (
        marketplace == NON_AMAZON
    ):
        raise ParameterError(
            f"marketplace {marketplace!r} is not an Amazon site, so there is no Amazon "
            "cancellation procedure to point the buyer to; give a marketplace such as amazon.com."
        )
    return f"https://www.{marketplace}{_HELP_PATH}{HELP_NODE}"


def message_language(marketplace: str) -> str:
    """Return the message language for a marketplace: ``"ja"`` for amazon.co.jp, else ``"en"``.

    Examples
    --------
    >>> message_language("amazon.co.jp"), message_language("amazon.co.uk")
    ('ja', 'en')
    """
    return "ja" if marketplace in _JAPANESE else "en"


def _environment(template_dir):
    import jinja2  # lazy: only messages need it, and it is slow to import
    from jinja2.sandbox import SandboxedEnvironment

    folders = [TEMPLATE_DIR]
    if template_dir is not None:
        folder = Path(template_dir)
        if not folder.is_dir():
            raise InputFileError(
                f"template folder {folder} does not exist or is not a folder; give the folder "
                "that holds your .txt.j2 files."
            )
        folders.insert(0, folder)
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(f)) for f in folders])
    return SandboxedEnvironment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain text, not HTML
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_message(
    context: Mapping,
    *,
    lang: str = "en",
    reminder: bool = False,
    template_dir: str | Path | None = None,
) -> str:
    """Render the request (or reminder) template for one order from a dict of variables.

    Most callers want :func:`cancellation_message`, which builds ``context`` from the log.

    Parameters
    ----------
    context : mapping
        The template variables listed in the module docstring.
    lang : str, default "en"
        Language code; selects ``request_<lang>.txt.j2`` or ``reminder_<lang>.txt.j2``.
    reminder : bool, default False
        Render the reminder instead of the first request.
    template_dir : str or Path, optional
        Folder searched before the shipped templates.

    Returns
    -------
    str
        The message text.

    Raises
    ------
    InputFileError
        When the template folder or the template file does not exist.
    ReportFormatError
        When a template has a syntax error, uses an unknown variable or an unsafe operation.

    Examples
    --------
    >>> text = render_message({"order_id": "111-1", "product_name": "Tea cup", "sku": "T1",
    ...     "marketplace": "amazon.com", "shop_name": "Kaede Shop",
    ...     "cancellation_url": cancellation_url("amazon.com")})
    >>> text.splitlines()[2]
    'Thank you very much for your order 111-1 (Tea cup) on Amazon.com.'
    """
    import jinja2

    name = f"{'reminder' if reminder else 'request'}_{lang}.txt.j2"
    environment = _environment(template_dir)
    try:
        template = environment.get_template(name)
    except jinja2.TemplateNotFound as exc:
        where = f"{template_dir} or " if template_dir is not None else ""
        raise InputFileError(
            f"no message template {name} in {where}{TEMPLATE_DIR}; the shipped languages are en "
            "and ja, other languages need that file in your template folder."
        ) from exc
    except jinja2.TemplateSyntaxError as exc:
        raise ReportFormatError(
            f"the template has a syntax error: {exc.message}. Fix the template (Jinja2 syntax).",
            source=exc.filename or name,
            line=exc.lineno,
        ) from exc
    try:
        return template.render(**context)
    except jinja2.exceptions.SecurityError as exc:
        raise ReportFormatError(
            f"the template tries an operation the sandbox forbids ({exc}); templates may only "
            "print the variables listed in oos_analysis.playbook.messages.",
            source=template.filename,
        ) from exc
    except jinja2.UndefinedError as exc:
        raise ReportFormatError(
            f"the template uses a variable that is not provided ({exc.message}); available: "
            f"{', '.join(sorted(context))}.",
            source=template.filename,
        ) from exc


def _text(value):
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


def _product_name(case, *reports) -> str | None:
    """The product name from the log row, else from the first report that lists the order."""
    name = _text(case.get("product_name"))
    for report in reports:
        if name or report is None or "product_name" not in report.columns:
            continue
        items = report.loc[report["order_id"] == case["order_id"]]
        if "sku" in items.columns and _text(case.get("sku")):
            same_sku = items.loc[items["sku"] == case["sku"]]
            items = same_sku if not same_sku.empty else items
        name = next((n for n in map(_text, items["product_name"]) if n), None)
    return name


def _case(stockout_log: pd.DataFrame, order_id: str) -> pd.Series:
    source = stockout_log.attrs.get("source", "stock-out log")
    where = "the stock-out log" + (f" ({source})" if source != "stock-out log" else "")
    if "order_id" not in stockout_log.columns:
        raise ReportFormatError("the stock-out log has no order_id column.", source=source)
    rows = stockout_log.loc[stockout_log["order_id"] == order_id]
    if rows.empty:
        raise ParameterError(
            f"order {order_id} is not in {where}; check the order id or add the case to "
            "the log first."
        )
    if "resolution" in rows.columns:
        open_rows = rows.loc[rows["resolution"] == "open"]
        if open_rows.empty:
            raise ParameterError(
                f"order {order_id} is closed in {where} (resolution "
                f"{rows['resolution'].iloc[-1]!r}); a cancellation request is only for open cases."
            )
        rows = open_rows
    return rows.iloc[0]


def cancellation_message(
    stockout_log: pd.DataFrame,
    order_id: str,
    *,
    reminder: bool = False,
    lang: str | None = None,
    shop_name: str = "",
    template_dir: str | Path | None = None,
    urls: Mapping[str, str] | None = None,
    order_report: pd.DataFrame | None = None,
    all_orders: pd.DataFrame | None = None,
) -> str:
    """Write the cancellation request (or the reminder) for one open stock-out.

    Parameters
    ----------
    stockout_log : DataFrame
        The stock-out log; the order's open row supplies marketplace, sku, ``product_name``
        (when the log has it) and ``request_sent_at`` (for the reminder).
    order_id : str
        The Amazon order id.
    reminder : bool, default False
        Write the reminder, which names the day of the first request.
    lang : {"en", "ja"}, optional
        Defaults to the marketplace's language (:func:`message_language`).
    shop_name : str, default ""
        Signature of the message.
    template_dir : str or Path, optional
        Folder with templates that replace the shipped ones of the same name.
    urls : mapping, optional
        Overrides of :data:`CANCELLATION_URLS`.
    order_report, all_orders : DataFrame, optional
        Order/Unshipped and All Orders reports, searched in that order for the product name when
        the log has none (the SKU is used when none has it).

    Returns
    -------
    str
        Plain text, ready to paste into Buyer-Seller Messaging.

    Raises
    ------
    ParameterError
        The order is not in the log, is closed, or (for the reminder) has no ``request_sent_at``.
    ReportFormatError
        The order's row has no marketplace.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"order_id": ["503-1"], "marketplace": ["amazon.co.jp"],
    ...     "sku": ["KS-1"], "product_name": ["急須"], "resolution": ["open"]})
    >>> print(cancellation_message(log, "503-1", shop_name="楓商店").splitlines()[0])
    この度はAmazon.co.jpにてご注文いただき、誠にありがとうございます。
    """
    case = _case(stockout_log, order_id)
    marketplace = _text(case.get("marketplace"))
    if marketplace is None:
        raise ReportFormatError(
            f"order {order_id} has no marketplace; fill in the marketplace (such as amazon.com) "
            "so the message can point to the right cancellation page.",
            source=stockout_log.attrs.get("source", "stock-out log"),
            column="marketplace",
        )
    context = {
        "order_id": str(order_id),
        "product_name": _product_name(case, order_report, all_orders),
        "sku": _text(case.get("sku")),
        "marketplace": marketplace,
        "cancellation_url": cancellation_url(marketplace, urls=urls),
        "shop_name": shop_name,
    }
    if reminder:
        first = case.get("request_sent_at")
        if first is None or pd.isna(first):
            raise ParameterError(
                f"order {order_id} has no request_sent_at in the log, so there is nothing to "
                "remind the buyer of; send the first request (without --reminder) and record it."
            )
        stamp = pd.Timestamp(first)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
        context["first_request"] = stamp.tz_convert(_LOCAL_TZ.get(marketplace, "UTC")).date()
    return render_message(
        context,
        lang=lang or message_language(marketplace),
        reminder=reminder,
        template_dir=template_dir,
    )


def cancellation_messages(
    actions: pd.DataFrame,
    stockout_log: pd.DataFrame,
    *,
    shop_name: str = "",
    template_dir: str | Path | None = None,
    urls: Mapping[str, str] | None = None,
    order_report: pd.DataFrame | None = None,
    all_orders: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Draft the messages that :func:`~oos_analysis.playbook.next_actions` says to send.

    Parameters
    ----------
    actions : DataFrame
        Output of ``next_actions``; rows with action ``send_request`` or ``send_reminder`` get a
        message, the others are skipped.
    stockout_log : DataFrame
        The log the actions came from.
    shop_name, template_dir, urls, order_report, all_orders
        As in :func:`cancellation_message`.

    Returns
    -------
    DataFrame
        ``order_id, marketplace, action, lang, text``, in the order of ``actions``.
    """
    wanted = actions.loc[actions["action"].isin(["send_request", "send_reminder"])]
    rows = []
    for order_id, marketplace, action in zip(
        wanted["order_id"], wanted["marketplace"], wanted["action"], strict=True
    ):
        lang = message_language(marketplace)
        text = cancellation_message(
            stockout_log,
            order_id,
            reminder=action == "send_reminder",
            lang=lang,
            shop_name=shop_name,
            template_dir=template_dir,
            urls=urls,
            order_report=order_report,
            all_orders=all_orders,
        )
        rows.append((order_id, marketplace, action, lang, text))
    columns = ["order_id", "marketplace", "action", "lang", "text"]
    return pd.DataFrame(rows, columns=columns).astype(dict.fromkeys(columns, "str"))

