"""A draft in progress for the demo: a citizen halfway through an online application.

Run after the demo province and its dossiers are loaded::

    from chinhquyen.dossiers.demo_drafts import load_demo_drafts

    load_demo_drafts()   # {"created": 1, "skipped": 0}

Trần Thị Bình (0987654321) has started applying for a criminal record certificate (Phiếu lý
lịch tư pháp) at the Department of Justice: who applies and what is asked are filled in, the
declaration form is uploaded, the copy of her identity card is still missing. Logging in as her
and opening "Hồ sơ lưu tạm" continues it at step 3. Made through :mod:`.drafts` only; running it
again changes nothing while that draft is open.
"""

from __future__ import annotations

from django.db import transaction

from chinhquyen.accounts.models import User
from chinhquyen.catalog.models import Procedure
from chinhquyen.dossiers import drafts
from chinhquyen.dossiers.demo import CITIZEN_ADDRESSES, CITIZENS, JUSTICE, RECORD, scan_pdf
from chinhquyen.dossiers.models import DossierDraft
from chinhquyen.organizations.models import Agency


def load_demo_drafts() -> dict[str, int]:
    """Give the demo citizen Bình one draft in progress (idempotent)."""
    citizen = User.objects.filter(username=CITIZENS["binh"]).first()
    procedure = Procedure.objects.filter(code=RECORD, is_active=True).first()
    agency = Agency.objects.filter(code=JUSTICE).first()
    if citizen is None or procedure is None or not procedure.accepts_online:
        return {"created": 0, "skipped": 1}
    if DossierDraft.objects.filter(owner=citizen, procedure=procedure, dossier=None).exists():
        return {"created": 0, "skipped": 1}
    with transaction.atomic():
        options = drafts.receiving_agencies(procedure)
        chosen = agency if agency in options else (options[0] if options else None)
        draft = drafts.start_draft(actor=citizen, procedure=procedure, agency=chosen)
        applicant = {**draft.data["applicant"], "address": CITIZEN_ADDRESSES["binh"]}
        drafts.save_draft(
            actor=citizen,
            draft=draft,
            data={
                "applicant": applicant,
                "subject": "Đề nghị cấp Phiếu lý lịch tư pháp số 1 để bổ sung hồ sơ xin việc",
                "form_data": {"noi_dung": "Cấp 02 bản Phiếu lý lịch tư pháp số 1."},
                "result_delivery": "post",
                "step": "papers",
            },
        )
        first = procedure.papers.order_by("position").first()
        if first is not None:
            drafts.add_draft_paper(
                actor=citizen,
                draft=draft,
                required_paper=first,
                file=scan_pdf("To khai yeu cau cap Phieu ly lich tu phap", "(du lieu minh hoa)"),
                file_name="to-khai-ly-lich-tu-phap.pdf",
            )
    return {"created": 1, "skipped": 0}
