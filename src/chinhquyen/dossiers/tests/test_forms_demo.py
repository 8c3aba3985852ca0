"""The demo dossiers: loaded after the demo province, once, through the services, with an intact
audit chain; and the forms they have render with their data.

One test, because loading the demo province is the slow part (the wards of 34 provinces).
"""

from __future__ import annotations

from collections import Counter

import pytest

from chinhquyen.accounts.models import User
from chinhquyen.audit.services import verify_chain
from chinhquyen.core.demo import load_demo
from chinhquyen.dossiers import forms
from chinhquyen.dossiers.demo import EXPECTED_STATUSES, KEY_PREFIX, SCENARIOS, load_demo_dossiers
from chinhquyen.dossiers.models import Dossier, DossierEvent, DueDateChange, Status
from chinhquyen.dossiers.tests.test_forms_render import text_of
from chinhquyen.dossiers.timing import TZ

pytestmark = pytest.mark.django_db

BASE = "https://dichvucong.nghean.example"
WARD, JUSTICE = "H41.16690", "000.00.02.H41"


def test_demo_dossiers_load_once_tell_believable_stories_and_print():
    # The demo province loader ends with the demo dossiers (what `make run` shows).
    counts = load_demo()
    assert counts["dossiers"] == len(SCENARIOS) == 25
    demo = Dossier.objects.filter(idempotency_key__startswith=KEY_PREFIX)
    assert Counter(demo.values_list("status", flat=True)) == EXPECTED_STATUSES
    assert verify_chain().ok

    again = load_demo_dossiers()
    assert (again["created"], again["skipped"]) == (0, 25)
    assert demo.count() == Dossier.objects.count() == 25
    assert verify_chain().ok

    # At the ward and at the Department of Justice, over the last weeks.
    assert Counter(demo.values_list("agency__code", flat=True)) == {WARD: 18, JUSTICE: 7}
    assert set(demo.values_list("procedure__code", flat=True)) == {
        "1.001193", "1.000894", "1.000656", "2.000815", "3.000333",
    }  # fmt: skip
    received = sorted(d.received_at for d in demo if d.received_at)
    assert (received[-1] - received[0]).days >= 21
    for d in demo:  # every control-sheet line is an engine event, in order
        assert list(d.events.values_list("seq", flat=True)) == list(range(1, d.version + 1))
    returned = DossierEvent.objects.filter(dossier__in=demo, action="return_result")
    assert {e.timing for e in returned} >= {"early", "on_time"}
    late = demo.get(status=Status.PROCESSING, rescheduled_at__isnull=False)
    assert late.due_changes.filter(kind=DueDateChange.Kind.NEW_DATE).count() == 1
    assert late.due_at == late.rescheduled_due_at
    online = demo.filter(channel="online")
    assert {d.submitted_by.phone for d in online} == {"0912345678", "0987654321", "0356789012"}

    # The forms: one dossier per status goes through every builder with the demo's data.
    admin = User.objects.get(username="quantri")
    seen = Counter()
    for status in EXPECTED_STATUSES:
        d = demo.filter(status=status).order_by("idempotency_key").first()
        for code in forms.available_forms(d):
            text = text_of(forms.render_form(dossier=d, form_code=code, user=admin, base_url=BASE))
            assert d.code in text and d.applicant_name in text, (status, code)
            seen[code] += 1
    assert set(seen) == {"01", "02", "03", "05"}
    apology = text_of(forms.render_form(dossier=late, form_code="04", user=admin, base_url=BASE))
    assert "SỞ TƯ PHÁP TỈNH NGHỆ AN" in apology and "Trần Văn Minh" in apology  # its head signs

    ward_dossiers = demo.filter(agency__code=WARD, received_at__isnull=False)
    days = sorted(d.received_at.astimezone(TZ).date() for d in ward_dossiers)
    intake = User.objects.get(username="tiepnhan.truongvinh")
    book = text_of(
        forms.render_form(
            form_code="06", user=intake, base_url=BASE, agency=ward_dossiers[0].agency,
            period=(days[0], days[-1]),
        )
    )  # fmt: skip
    for d in ward_dossiers:
        assert d.code in book
