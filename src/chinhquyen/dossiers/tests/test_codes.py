"""Dossier codes: the format held by the regulation pack, the daily sequence, concurrency."""

from __future__ import annotations

import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from chinhquyen.dossiers import codes
from chinhquyen.dossiers.models import DossierCodeSequence

UTC = ZoneInfo("UTC")


def test_format_follows_the_pack():
    assert codes.format_code("000.00.12.H29", date(2025, 5, 3), 1) == "000.00.12.H29-250503-0001"
    assert codes.format_code("000.00.12.H29", date(2025, 5, 3), 123) == "000.00.12.H29-250503-0123"
    # More than 9,999 a day: the number simply grows a digit rather than colliding.
    assert codes.format_code("000.00.12.H29", date(2025, 5, 3), 10_000).endswith("-10000")


def test_parse_round_trips_and_rejects_garbage():
    parsed = codes.parse_code(" 000.00.12.h29-250503-0007 ")
    assert (parsed.agency, parsed.day, parsed.seq) == ("000.00.12.H29", date(2025, 5, 3), 7)
    for bad in ("", "000.00.12.H29-2505-0001", "000.00.12.H29-251332-0001", "x-250503-1"):
        with pytest.raises(codes.InvalidDossierCode):
            codes.parse_code(bad)


def test_the_date_is_the_day_in_vietnam():
    # 18:30 UTC on 2 March is 01:30 on 3 March in Hà Nội.
    assert codes.local_day(datetime(2026, 3, 2, 18, 30, tzinfo=UTC)) == date(2026, 3, 3)


def test_unknown_pack_is_refused(settings):
    settings.DOSSIER_REGULATION_PACK = "tt99_2030"
    with pytest.raises(LookupError):
        codes.pack()


def test_pack_rules_are_data():
    assert codes.rule("supplement_window_working_days") == 3
    assert codes.rule("max_new_dates") == 1
    assert codes.paper_cutoff().hour == 15


def test_sequence_restarts_every_day_per_agency(agency_tree):
    justice, building = agency_tree["justice"], agency_tree["building"]
    monday, tuesday = datetime(2026, 3, 2, 9, tzinfo=UTC), datetime(2026, 3, 3, 9, tzinfo=UTC)
    with transaction.atomic():
        first = [codes.allocate(justice, monday) for _ in range(3)]
        other = codes.allocate(building, monday)
        next_day = codes.allocate(justice, tuesday)
    assert first == [f"000.00.01.H41-260302-000{n}" for n in (1, 2, 3)]
    assert other == "000.00.02.H41-260302-0001"
    assert next_day == "000.00.01.H41-260303-0001"


def test_a_rolled_back_allocation_gives_its_number_back(agency_tree):
    justice = agency_tree["justice"]
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        codes.allocate(justice, datetime(2026, 3, 2, 9, tzinfo=UTC))
        1 / 0  # noqa: B018
    with transaction.atomic():
        assert codes.allocate(justice, datetime(2026, 3, 2, 9, tzinfo=UTC)).endswith("-0001")


@pytest.mark.django_db(transaction=True)
def test_codes_are_unique_under_eight_threads(agency_tree):
    """Eight desks receiving at the same second never get the same number (PostgreSQL)."""
    if connection.vendor != "postgresql":
        pytest.skip("in-memory SQLite is one connection; the PostgreSQL run covers concurrency")
    justice = agency_tree["justice"]
    moment = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    barrier = threading.Barrier(8)
    results: list[str] = []
    errors: list[BaseException] = []

    def desk() -> None:
        try:
            barrier.wait()
            for _ in range(10):
                with transaction.atomic():
                    results.append(codes.allocate(justice, moment))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=desk) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == len(set(results)) == 80
    assert sorted(int(code.rsplit("-", 1)[1]) for code in results) == list(range(1, 81))
    assert DossierCodeSequence.objects.get(agency=justice).last_value == 80
