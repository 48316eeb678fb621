"""Shared test set-up: hypothesis profiles, the fixtures folder, and closing matplotlib figures.

``HYPOTHESIS_PROFILE=dev`` runs property tests with more examples; the default ``ci`` profile keeps
the whole suite fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=200, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fixtures() -> Path:
    """The folder of small export files, one per quirk (see fixtures/make_fixtures.py)."""
    return FIXTURES


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
