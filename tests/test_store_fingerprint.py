"""Hashing ahead (store.fingerprint): the digest handed over is the file's, or none at all."""

from __future__ import annotations

import hashlib
import os
import time

import pandas as pd

from oos_analysis import store
from oos_analysis.store import fingerprint


def test_a_digest_hashed_ahead_is_the_files_and_is_handed_over_once(tmp_path):
    path = tmp_path / "export.txt"
    path.write_bytes(b"amazon-order-id\tsku\n" * 100_000)
    fingerprint.start([path, tmp_path / "missing.txt"])
    assert fingerprint.ahead(path) == hashlib.sha256(path.read_bytes()).hexdigest()
    assert fingerprint.ahead(path) is None  # once: a later import hashes the file itself
    assert fingerprint.ahead(tmp_path / "missing.txt") is None


def test_a_file_changed_after_it_was_hashed_is_hashed_again(tmp_path):
    path = tmp_path / "export.txt"
    path.write_bytes(b"first contents\n")
    fingerprint.start([path])
    time.sleep(0.01)
    path.write_bytes(b"other contents, longer\n")
    assert fingerprint.ahead(path) is None
    fingerprint.start([path])
    assert fingerprint.ahead(path) == hashlib.sha256(b"other contents, longer\n").hexdigest()


def test_a_fifo_is_never_read_ahead(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    fingerprint.start([fifo])  # would block the thread (and the exit) if it opened the FIFO
    assert fingerprint.ahead(fifo) is None


def test_import_records_the_hash_of_what_it_read_after_a_change(tmp_path):
    header = ("amazon-order-id\tpurchase-date\tlast-updated-date\torder-status\t"
              "fulfillment-channel\tsales-channel\tsku\tasin\titem-status\n")
    row = ("111-0000001-000000{}\t2026-11-02T10:00:00+00:00\t2026-11-02T11:00:00+00:00\t"
           "Shipped\tMerchant\tAmazon.com\tA\tB000000001\tShipped\n")
    path = tmp_path / "orders.txt"
    path.write_text(header + row.format(1))
    fingerprint.start([path])
    time.sleep(0.01)
    path.write_text(header + row.format(1) + row.format(2))
    done = store.import_files([path], store=tmp_path / "s")
    assert done["sha256"].tolist() == [hashlib.sha256(path.read_bytes()).hexdigest()]
    orders = store.load(tmp_path / "s").all_orders
    assert (orders["source_sha256"] == done["sha256"].iloc[0]).all()
    assert pd.Series(orders["order_id"]).tolist() == ["111-0000001-0000001", "111-0000001-0000002"]
