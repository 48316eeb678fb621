"""An example Airflow DAG: the weekly job of every account, one task per account.

This is an example to copy and adapt, not part of the kit. The unit of work stays one account's
``oos-analysis weekly`` run, exactly as cron runs it; Airflow only schedules it, retries it and
shows each account's result. Each task runs in its own process, so one account's failure never
stops the others, and the task fails with the command's exit status (3 credentials, 4 marketplace,
5 throttled, 6 report failed at Amazon, 7 network).

Set ``OOS_ANALYSIS_BIN`` and ``OOS_ANALYSIS_ACCOUNTS`` (Airflow Variables or environment) to the
kit's command and the accounts file; the accounts are read when the DAG file is parsed.
"""

from __future__ import annotations

import os
import tomllib
from datetime import datetime, timedelta
from pathlib import Path

from airflow import DAG

try:  # Airflow 3 moved the operator to the standard provider
    from airflow.providers.standard.operators.bash import BashOperator
except ImportError:  # Airflow 2
    from airflow.operators.bash import BashOperator

OOS_ANALYSIS = os.environ.get("OOS_ANALYSIS_BIN", "/opt/oos/.venv/bin/oos-analysis")
ACCOUNTS = Path(os.environ.get("OOS_ANALYSIS_ACCOUNTS", "/data/oos/accounts.toml"))


def account_names(path: Path) -> list[str]:
    """The ``name`` of every ``[[account]]`` in the accounts file (none if it is missing)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    return [str(entry["name"]) for entry in data.get("account", [])]


with DAG(
    dag_id="oos_analysis_weekly",
    description="Fetch, import, report and alert for every seller account",
    schedule="0 7 * * 1",  # Mondays 07:00
    start_date=datetime(2026, 1, 5),
    catchup=False,
    max_active_tasks=4,
    default_args={"retries": 1, "retry_delay": timedelta(minutes=30)},
    tags=["oos_analysis"],
) as dag:
    for name in account_names(ACCOUNTS):
        BashOperator(
            task_id=f"weekly_{name.replace('.', '_')}",
            bash_command=(f"{OOS_ANALYSIS} weekly --accounts {ACCOUNTS} --account {name}"),
        )
