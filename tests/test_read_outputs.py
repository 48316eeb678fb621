"""The file-reading path gives the outputs it gave before the speed work (issue 17).

``tests/golden/read_outputs.json`` holds, for every sample profile, every fixture (the hostile
ones included) and a small synthetic export with and without odd rows, the ``check`` and ``rate``
output (text, error paragraphs with their line numbers, exit status) and digests of the frames
``read_exports``, ``orders_from_exports`` and ``daily_rate`` returned, as computed by the reader
before it was made faster. Each case is recomputed here and must match value for value.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))
import read_outputs  # noqa: E402

GOLDEN = json.loads(read_outputs.GOLDEN.read_text())
_FOLDER = Path(tempfile.mkdtemp(prefix="oos-read-outputs-"))


@pytest.fixture(scope="module")
def cases():
    return read_outputs.cases(_FOLDER)


def _relative(entry):
    text = json.dumps(entry).replace(str(_FOLDER) + "/", "")
    return json.loads(text.replace(str(read_outputs.FIXTURES) + "/", ""))


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_outputs_are_the_ones_before_the_speed_work(name, cases):
    files = [str(p) for p in cases[name]]
    expected = GOLDEN[name]
    got = {
        "check": read_outputs.run_cli(["check", *files]),
        "rate": read_outputs.run_cli(["rate", *files, "--format", "csv"]),
        "frames": read_outputs.frames(files),
    }
    if "rate_table" in expected:
        got["rate_table"] = read_outputs.run_cli(["rate", *files])
    got = _relative(got)
    for part in expected:
        assert got[part] == expected[part], part


def test_every_case_is_still_generated(cases):
    assert sorted(cases) == sorted(GOLDEN)
