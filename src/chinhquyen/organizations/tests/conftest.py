"""Fixtures of the organizations tests: the shipped reference data, loaded once per test."""

from __future__ import annotations

import pytest

from chinhquyen.organizations import services


@pytest.fixture
def units(db) -> services.LoadReport:
    """The shipped 34 provinces and 3,321 wards, loaded as the system."""
    return services.load_administrative_units()


@pytest.fixture
def legacy(units) -> services.LoadReport:
    """The shipped old-commune → new-ward table (on top of :func:`units`)."""
    return services.load_legacy_mappings()
