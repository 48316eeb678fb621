"""Many accounts: each one's weekly run in its own process, then an index page of them all.

An accounts file lists one ``[[account]]`` table per seller::

    index = "reports/index.html"          # where the index page goes (default: next to this file)

    [[account]]
    name = "acme"
    config = "acme/oos-analysis.toml"     # the account's own config: [spapi], [alerts], ...
    store = "acme/store"                  # any key of a config file may be set here too
    out = "acme/reports"

Relative paths are taken from the folder of the file that names them. Each account runs as
``oos-analysis weekly --accounts FILE --account NAME`` in a child process, ``jobs`` at a time, so
one account's crash, hang or broken token never touches the others. Beyond one machine the unit
of work stays the same command: any scheduler can run it per account (see docs/airflow_dag.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..config import Config, read_config
from ..exceptions import ParameterError
from .run import AccountResult, account_folders, read_state

__all__ = ["Account", "read_accounts", "account_config", "run_accounts", "index_path"]

_NAME_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


@dataclass(frozen=True)
class Account:
    """One entry of the accounts file and the config it resolves to."""

    name: str
    config: Config


def read_accounts(path) -> tuple[Config, list[Account]]:
    """The accounts file and its accounts, in file order; errors name the entry."""
    top = read_config(path)
    entries = top.get("account", [])
    if not isinstance(entries, list) or not entries:
        raise ParameterError(
            f"{top.source}: lists no account; add one [[account]] table per seller with at "
            'least name = "..." and config = "path/to/its/oos-analysis.toml".'
        )
    accounts, seen = [], set()
    for number, entry in enumerate(entries, start=1):
        name = str(entry.get("name", "")).strip()
        if not name or not set(name) <= _NAME_OK:
            raise ParameterError(
                f"{top.source}: account number {number} needs a name of letters, digits, '-', "
                f"'_' or '.', found {name!r}."
            )
        if name in seen:
            raise ParameterError(f"{top.source}: two accounts are named {name!r}.")
        seen.add(name)
        accounts.append(Account(name, account_config(top, entry)))
    return top, accounts


def account_config(top: Config, entry: dict) -> Config:
    """The account's own config file (if named) with the entry's keys on top."""
    extra = {k: v for k, v in entry.items() if k not in ("name", "config")}
    own = top.path("config", section=entry)
    base = read_config(own) if own is not None else Config({}, top.folder, top.source)
    # Paths in the entry are relative to the accounts file: make them absolute first.
    for key in ("store", "out", "downloads", "inbox"):
        if key in extra:
            extra[key] = str(top.path(key, section=extra))
    return base.overlay(extra)


def index_path(top: Config) -> Path:
    """Where the index page goes: ``index`` in the accounts file, else next to the file."""
    return top.path("index", "index.html")


def _run_child(accounts_file: str, account: Account, verbose: bool, timeout: float | None):
    command = [sys.executable, "-m", "oos_analysis", "weekly", "--accounts", accounts_file,
               "--account", account.name] + (["-v"] if verbose else [])
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env,
                              timeout=timeout, stdin=subprocess.DEVNULL)
        return done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired:
        return 124, "", f"error: the run did not finish within {timeout:.0f} s and was stopped."


def run_accounts(accounts_file, *, jobs: int = 2, verbose: bool = False,
                 timeout: float | None = None) -> tuple[Path, list[AccountResult]]:
    """Run every account in parallel processes, write the index page; return it and results."""
    from .index import write_index

    top, accounts = read_accounts(accounts_file)
    source = str(Path(accounts_file).expanduser().resolve())
    with ThreadPoolExecutor(max_workers=max(1, int(jobs))) as pool:
        finished = list(pool.map(lambda a: _run_child(source, a, verbose, timeout), accounts))
    results = []
    for account, (code, out, err) in zip(accounts, finished, strict=True):
        store = account_folders(account.config)["store"]
        state = read_state(store)
        lines = [line for line in out.splitlines() if line.strip()]
        result = AccountResult(account=account.name, store=str(store),
                               html=lines[-1] if code == 0 and lines else None,
                               markets=state.get("markets", []) if code == 0 else [],
                               exit_code=code, finished=state.get("finished", ""))
        if code != 0:
            message = err.strip().removeprefix("error: ") or f"exit status {code}"
            result.error = message
        results.append(result)
    return write_index(index_path(top), results), results
