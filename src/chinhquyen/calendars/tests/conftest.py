"""Fixtures of the calendar tests: a national calendar without the database, seeded years, logins."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client

from chinhquyen.calendars import deadlines, loader
from chinhquyen.calendars.national import national_days

TZ = deadlines.TZ
YEARS = range(2024, 2029)


def vn(*args: int) -> datetime:
    """An aware moment in Vietnam time: vn(2026, 2, 12, 9) is 09:00 on 12/02/2026."""
    return datetime(*args, tzinfo=TZ)


def national_snapshot(years=YEARS, **extra) -> deadlines.CalendarSnapshot:
    """The national calendar straight from the holidays package and sources.json (no database)."""
    return deadlines.CalendarSnapshot(
        years=frozenset(years),
        special_days={d.date: d.info() for d in national_days(years)},
        **extra,
    )


@pytest.fixture(scope="session")
def national() -> deadlines.CalendarSnapshot:
    return national_snapshot()


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    loader.clear_cache()
    yield
    loader.clear_cache()


@pytest.fixture
def seeded(db):
    """The national calendar of 2024–2028 in the database, seeded by the service."""
    from chinhquyen.calendars import services

    return services.seed_national_calendar(YEARS)


def verified_client(user) -> Client:
    """A client logged in as ``user`` who has passed the TOTP check (administrators must)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def admin_client_verified(officials) -> Client:
    return verified_client(officials["admin"])
