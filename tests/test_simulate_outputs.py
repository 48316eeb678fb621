"""The forecast gives the outputs it gave before its pandas-free path (issue 17).

``tests/golden/simulate_outputs.json`` holds, for a few argument sets of ``oos-analysis
simulate`` (given inputs only, and from a small pair of exports), the command's status, standard
output and standard error in ``table``, ``csv`` and ``json``, and for a few calls of
:func:`oos_analysis.simulate` digests (columns, dtypes, values) of every frame of the result, as
computed when the simulator and the command still built everything with pandas. Each case is
recomputed here and must match byte for byte.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "golden"))
import simulate_outputs  # noqa: E402

GOLDEN = json.loads(simulate_outputs.GOLDEN.read_text())
_FOLDER = Path(tempfile.mkdtemp(prefix="oos-simulate-outputs-"))


@pytest.fixture(scope="module")
def command_cases():
    return simulate_outputs.command_cases(_FOLDER)


@pytest.fixture(scope="module")
def library_cases():
    return simulate_outputs.library_cases(_FOLDER)


@pytest.mark.parametrize("name", sorted(k for k in GOLDEN if k.startswith("cli:")))
def test_command_output_is_the_one_before(name, command_cases):
    case, fmt = name[len("cli:"):].rsplit(":", 1)
    got = simulate_outputs.run_cli(["simulate", *command_cases[case], "--format", fmt])
    for part in ("stdout", "stderr"):
        got[part] = got[part].replace(str(_FOLDER) + "/", "")
    assert got == GOLDEN[name]


@pytest.mark.parametrize("name", sorted(k for k in GOLDEN if k.startswith("lib:")))
def test_result_frames_are_the_ones_before(name, library_cases):
    assert simulate_outputs.frames(library_cases[name[len("lib:"):]]) == GOLDEN[name]


def test_every_case_is_still_generated(command_cases, library_cases):
    expected = {f"cli:{case}:{fmt}" for case in command_cases for fmt in simulate_outputs.FORMATS}
    expected |= {f"lib:{case}" for case in library_cases}
    assert expected == set(GOLDEN)
