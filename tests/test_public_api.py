"""The package's public names: every one resolves, and importing the package stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

import oos_analysis


@pytest.mark.parametrize("name", oos_analysis.__all__)
def test_every_public_name_resolves(name):
    value = getattr(oos_analysis, name)
    assert value is not None
    assert name in dir(oos_analysis)


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'read_everything'"):
        oos_analysis.read_everything  # noqa: B018


def test_reading_does_not_import_the_simulator_plots_or_report():
    code = (
        "import sys, oos_analysis; oos_analysis.read_exports; "
        "print(sorted(m for m in ('oos_analysis.forecast.simulation', 'oos_analysis.report.plots', "
        "'oos_analysis.report', 'oos_analysis.store', 'matplotlib', 'scipy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
