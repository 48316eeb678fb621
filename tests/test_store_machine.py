"""The history store against a plain in-memory model, under random imports, re-imports and kills.

A hypothesis rule-based state machine imports random overlapping All Orders exports, order reports
and stock-out logs, imports files again, kills imports with SIGKILL at random points, and loads.
After every step the store holds exactly what a dictionary per report kind says it should: per
key, the row of the newest date (ties: the later import), with the file it came from, and every
file of the store matches its recorded checksum.

The kills run the import in a child of a fork server (started once, with pandas and pyarrow
already imported), so a kill costs milliseconds, not an interpreter start. Runtime in ``make
test`` (profile ``ci``): 12 runs of up to 8 steps, about 20-40 s on 2 busy cores;
``HYPOTHESIS_PROFILE=dev`` runs 60.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from oos_analysis import store
from oos_analysis.store.integrity import verify

ORDERS = [f"11{i}-000000{i}-000000{i}" for i in range(1, 6)]
SKUS = ["SKU-A", "SKU-B"]
MONTHS = ["2026-09", "2026-10", "2026-11"]
AO_HEADER = ["amazon-order-id", "purchase-date", "last-updated-date", "order-status",
             "fulfillment-channel", "sales-channel", "sku", "asin", "item-status", "quantity"]
OR_HEADER = ["order-id", "order-item-id", "purchase-date", "reporting-date", "sku",
             "quantity-purchased", "sales-channel"]
LOG_HEADER = ["order_id", "marketplace", "sku", "detected_at", "resolution", "resolved_at"]
BASE = pd.Timestamp("2026-11-20T00:00:00Z")


def _purchased(order: str) -> pd.Timestamp:
    i = ORDERS.index(order)
    return pd.Timestamp(f"{MONTHS[i % 3]}-0{i + 1}T10:00:00Z")


def _iso(t: pd.Timestamp) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


keys = st.tuples(st.sampled_from(ORDERS), st.sampled_from(SKUS))
all_orders_rows = st.lists(
    st.tuples(keys, st.integers(0, 4), st.sampled_from(["Shipped", "Cancelled", "Unshipped"])),
    min_size=1, max_size=5, unique_by=lambda r: r[0])
order_report_rows = st.lists(st.tuples(keys, st.integers(0, 4)), min_size=1, max_size=5,
                             unique_by=lambda r: r[0])
log_rows = st.lists(
    st.tuples(keys, st.integers(0, 4), st.sampled_from(["open", "bought", "no_inventory"]),
              st.booleans()),
    min_size=1, max_size=5, unique_by=lambda r: r[0])


def _import_then_stop(paths, root, point, flag):  # runs in a fork-server child
    if point:
        os.environ["OOS_ANALYSIS_TEST_PAUSE"] = point
        os.environ["OOS_ANALYSIS_TEST_PAUSE_FLAG"] = flag
    store.import_files(paths, store=root)


class StoreMachine(RuleBasedStateMachine):
    context = None

    def __init__(self):
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="store-machine-"))
        self.root = self.folder / "store"
        self.count = 0
        self.imported: list[Path] = []
        self.ao: dict = {}  # (order, sku) -> (updated, import number, status, file)
        self.orp: dict = {}  # (order, item) -> (reporting, import number, file)
        self.log: dict = {}  # order -> (date, import number, {sku: (resolution, file)})
        self.imports = 0
        self.shas: set[str] = set()

    def teardown(self):
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- files ----------------------------------------------------------------------------
    def _name(self, stem: str, suffix: str) -> Path:
        self.count += 1
        return self.folder / f"{stem}-{self.count}.{suffix}"

    def _all_orders(self, rows) -> tuple[Path, callable]:
        path = self._name("all-orders", "txt")
        lines = ["\t".join(AO_HEADER)]
        for (order, sku), hours, status in rows:
            lines.append("\t".join([
                order, _iso(_purchased(order)), _iso(BASE + pd.Timedelta(hours=hours)), status,
                "Merchant", "Amazon.com", sku, "B000000001", "" if status == "Cancelled" else
                status, "0" if status == "Cancelled" else "1"]))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

        def apply(number):
            for (order, sku), hours, status in rows:
                old = self.ao.get((order, sku))
                if old is None or hours >= old[0]:
                    self.ao[(order, sku)] = (hours, number, status.lower(), path.name)
        return path, apply

    def _order_report(self, rows) -> tuple[Path, callable]:
        path = self._name("order-report", "txt")
        lines = ["\t".join(OR_HEADER)]
        for (order, sku), hours in rows:
            lines.append("\t".join([order, f"item-{sku}", _iso(_purchased(order)),
                                    _iso(BASE + pd.Timedelta(hours=hours)), sku, "1",
                                    "Amazon.com"]))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

        def apply(number):
            for (order, sku), hours in rows:
                old = self.orp.get((order, f"item-{sku}"))
                if old is None or hours >= old[0]:
                    self.orp[(order, f"item-{sku}")] = (hours, number, path.name)
        return path, apply

    def _stockout_log(self, rows) -> tuple[Path, callable]:
        path = self._name("stockout-log", "csv")
        lines = [",".join(LOG_HEADER)]
        for (order, sku), days, resolution, resolved in rows:
            detected = BASE + pd.Timedelta(days=days)
            done = _iso(detected + pd.Timedelta(hours=6)) if resolved else ""
            lines.append(",".join([order, "amazon.com", sku, _iso(detected), resolution, done]))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

        def apply(number):
            per_order: dict = {}
            for (order, sku), days, resolution, resolved in rows:
                date = days * 24 + (6 if resolved else 0)
                best, skus = per_order.get(order, (-1, {}))
                skus[sku] = (resolution, path.name)
                per_order[order] = (max(best, date), skus)
            for order, (date, skus) in per_order.items():
                old = self.log.get(order)
                if old is None or date >= old[0]:
                    self.log[order] = (date, number, skus)
        return path, apply

    def _import(self, path, apply):
        done = store.import_files([path], store=self.root)
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        if sha in self.shas:  # the same rows drawn twice make the same file: nothing new
            assert done["status"].tolist() == ["already in store"]
            return
        assert done["status"].tolist() == ["imported"]
        self.shas.add(sha)
        self.imports += 1
        apply(self.imports)
        self.imported.append(path)

    # --- rules ----------------------------------------------------------------------------
    @rule(rows=all_orders_rows)
    def import_all_orders(self, rows):
        self._import(*self._all_orders(rows))

    @rule(rows=order_report_rows)
    def import_order_report(self, rows):
        self._import(*self._order_report(rows))

    @rule(rows=log_rows)
    def import_stockout_log(self, rows):
        self._import(*self._stockout_log(rows))

    @precondition(lambda self: self.imported)
    @rule(data=st.data())
    def import_again(self, data):
        path = data.draw(st.sampled_from(self.imported))
        copy = self._name("copy-of", path.suffix.lstrip("."))
        copy.write_bytes(path.read_bytes())
        done = store.import_files([path, copy], store=self.root)
        assert done["status"].tolist() == ["already in store", "already in store"]

    @rule(kind=st.sampled_from(["all_orders", "order_report", "stockout_log"]), data=st.data(),
          point=st.sampled_from(["mid_write", "before_rename", "before_switch", None]),
          delay=st.floats(0, 0.3))
    def killed_import(self, kind, data, point, delay):
        make = {"all_orders": (self._all_orders, all_orders_rows),
                "order_report": (self._order_report, order_report_rows),
                "stockout_log": (self._stockout_log, log_rows)}[kind]
        path, apply = make[0](data.draw(make[1]))
        flag = str(self.folder / f"paused-{self.count}")
        child = self.context.Process(target=_import_then_stop,
                                     args=([path], self.root, point, flag))
        child.start()
        deadline = time.monotonic() + 60
        if point:  # stop exactly there
            while not os.path.exists(flag) and child.is_alive() and time.monotonic() < deadline:
                time.sleep(0.01)
        else:  # anywhere: after a random delay
            time.sleep(delay)
        # Process.kill, not os.kill: is_alive() may already have reaped a child that finished,
        # and then its pid is gone (ProcessLookupError); kill() knows and does nothing.
        child.kill()
        child.join()
        # all or nothing: the import happened if and only if the store lists the file
        if (self.root / "CURRENT").exists() and any(
                e.name == path.name for e in store.manifest(self.root).itertuples()):
            self.imports += 1
            apply(self.imports)
            self.imported.append(path)
            self.shas.add(hashlib.sha256(path.read_bytes()).hexdigest())

    @precondition(lambda self: self.imported)
    @rule()
    def load(self):
        exports = store.load(self.root)
        assert len(exports.all_orders) == len(self.ao)

    # --- what must hold after every step ----------------------------------------------------
    @invariant()
    def store_equals_model(self):
        if not (self.root / "CURRENT").exists():
            assert not self.imported
            return
        exports = store.load(self.root)
        ao = exports.all_orders
        found = {(o, s): (st_, f) for o, s, st_, f in
                 zip(ao["order_id"], ao["sku"], ao["order_status"], ao["source_file"],
                     strict=True)}
        assert found == {k: (v[2], v[3]) for k, v in self.ao.items()}
        orp = exports.order_report
        found = {(o, i): f for o, i, f in zip(orp["order_id"], orp["order_item_id"],
                                             orp["source_file"], strict=True)}
        assert found == {k: v[2] for k, v in self.orp.items()}
        log = exports.stockout_log
        found = {(o, s): (r, f) for o, s, r, f in zip(log["order_id"], log["sku"],
                                                       log["resolution"], log["source_file"],
                                                       strict=True)}
        assert found == {(o, s): v for o, (_, _, skus) in self.log.items()
                         for s, v in skus.items()}
        assert set(verify(self.root)["status"]) <= {"ok"}


def _fork_server():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["pandas", "pyarrow", "oos_analysis.store",
                                    "oos_analysis.io.readers"])
    return context


StoreMachine.context = _fork_server()
profile = settings()
StoreMachine.TestCase.settings = settings(
    max_examples=60 if profile.max_examples > 100 else 12,
    stateful_step_count=8, deadline=None)
TestStoreMachine = StoreMachine.TestCase
