"""Fixtures of the catalog tests: real procedures from the shipped demo catalog."""

from __future__ import annotations

import pytest

from chinhquyen.catalog import importing, services

# A few dozen real procedures, enough for search and page tests (the full demo takes seconds).
SMALL_CODES = (
    "1.001193", "1.003583", "2.000528", "1.000689", "1.004884", "1.000894", "1.000593", "1.004746",
    "2.000806", "1.000656", "1.004873", "1.004222", "1.004194", "1.003197", "1.014063", "1.014064",
    "2.000815", "2.000884", "3.000333", "1.001612", "1.001266", "1.012784", "1.013225", "1.013227",
    "3.000348", "1.011606", "2.002039", "1.002338", "1.000703",
)  # fmt: skip


def demo_records(codes: tuple[str, ...] | None = None) -> list[tuple[int, dict]]:
    records = list(importing.read_records(services.DEMO_FIXTURE))
    if codes is None:
        return records
    return [(n, r) for n, r in records if r["ma_thu_tuc"] in codes]


@pytest.fixture
def small_catalog(db) -> services.ImportReport:
    return services.import_records(demo_records(SMALL_CODES), source="test")


@pytest.fixture
def demo_catalog(db) -> services.ImportReport:
    return services.load_demo_catalog()


@pytest.fixture
def admin_user(officials):
    return officials["admin"]
