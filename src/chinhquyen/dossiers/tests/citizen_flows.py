"""Dossier lives seen from the applicant's side, built through the services (shared by the
timeline, rating and portal tests)."""

from __future__ import annotations

from chinhquyen.dossiers import services
from chinhquyen.dossiers.tests.conftest import PDF, online_dossier, run_steps, vn

SUPPLEMENT_REASON = "Bản chụp mờ, không đọc được số định danh."
LATE_REASON = "Cần xác minh thông tin tại cơ quan công an."
RESULT_NAME = "Phiếu lý lịch tư pháp số 1"


def received_online(w):
    """An online dossier of ``w["applicant"]``, received on Monday 2 March 2026 at 09:00."""
    w["clock"].set_time(vn(2026, 3, 2, 9, 0))
    d = online_dossier(w)
    return services.receive(actor=w["intake"], dossier=d, expected_version=d.version)


def awaiting_supplement(w):
    """Received, then the desk asks for a clearer copy of paper 2."""
    d = received_online(w)
    w["clock"].set_time(vn(2026, 3, 2, 10, 0))
    paper = w["procedure"].papers.get(position=2)
    return services.request_supplement(
        actor=w["intake"],
        dossier=d,
        expected_version=d.version,
        items=[{"paper": paper, "reason": SUPPLEMENT_REASON}],
        note="Nộp bản chụp rõ nét.",
    )


def processing(w):
    """The supplement brought by the applicant online, then forwarded to processing."""
    d = awaiting_supplement(w)
    paper = w["procedure"].papers.get(position=2)
    w["clock"].set_time(vn(2026, 3, 3, 8, 30))
    d = services.attach_paper(
        actor=w["applicant"], dossier=d, expected_version=d.version, required_paper=paper,
        file=PDF, file_name="ban-chup.pdf",
    )  # fmt: skip
    d = services.supplement_received(actor=w["applicant"], dossier=d, expected_version=d.version)
    w["clock"].set_time(vn(2026, 3, 3, 9, 0))
    return services.forward(actor=w["intake"], dossier=d, expected_version=d.version)


def late_with_new_date(w):
    """Every step done, then the leader apologises and sets a new date."""
    d = processing(w)
    w["clock"].set_time(vn(2026, 3, 4, 9, 0))
    d = run_steps(w, d, until=3)
    return services.propose_new_date(
        actor=w["leader"], dossier=d, expected_version=d.version,
        new_due_at=vn(2026, 3, 20, 17, 0), reason=LATE_REASON,
    )  # fmt: skip


def result_ready(w):
    d = late_with_new_date(w)
    d = services.approve(actor=w["leader"], dossier=d, expected_version=d.version)
    w["clock"].set_time(vn(2026, 3, 5, 9, 0))
    return services.issue_result(
        actor=w["intake"], dossier=d, expected_version=d.version, file=PDF, name=RESULT_NAME,
        number="01/LLTP", file_name="ket-qua.pdf",
    )  # fmt: skip


def returned(w):
    d = result_ready(w)
    w["clock"].set_time(vn(2026, 3, 5, 10, 0))
    return services.return_result(
        actor=w["intake"], dossier=d, expected_version=d.version, via="online"
    )
