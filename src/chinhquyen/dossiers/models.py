"""Dossiers (hồ sơ) of the one-stop shop and everything that happens to them.

A :class:`Dossier` is one application for a procedure. Its internal :class:`Status` is finer than
the national one (TrangThaiHoSo 1–10 of the national public service portal); each maps to exactly
one national status through :func:`chinhquyen.dossiers.workflow.national_status`.

The control sheet (phiếu kiểm soát quá trình giải quyết hồ sơ, Mẫu 05) is the list of
:class:`DossierEvent` rows: every action, who gave the dossier to whom, when, at which step, with
which opinion, and whether the hand-over was early, on time or late.

Rows are written only by :mod:`chinhquyen.dossiers.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from chinhquyen.accounts.models import Role
from chinhquyen.catalog.models import Channel
from chinhquyen.lib import cccd, phone


class Status(models.TextChoices):
    """Internal states of a dossier (each maps to one national status, see ``workflow``)."""

    SUBMITTED = "submitted", "Mới đăng ký"
    AWAITING_SUPPLEMENT = "awaiting_supplement", "Chờ bổ sung, hoàn thiện hồ sơ"
    REFUSED_RECEPTION = "refused_reception", "Từ chối tiếp nhận"
    RECEIVED = "received", "Đã tiếp nhận, chờ chuyển xử lý"
    PROCESSING = "processing", "Đang xử lý"
    INTER_AGENCY = "inter_agency", "Đang xử lý liên thông"
    PENDING_DECISION = "pending_decision", "Chờ phê duyệt"
    AWAITING_OBLIGATION = "awaiting_obligation", "Chờ thực hiện nghĩa vụ tài chính"
    APPROVED = "approved", "Đã phê duyệt, chờ phát hành kết quả"
    RESULT_READY = "result_ready", "Đã có kết quả, chờ trả"
    REFUSED_PROCESSING = "refused_processing", "Từ chối giải quyết"
    RETURNED = "returned", "Đã trả kết quả"
    WITHDRAWN = "withdrawn", "Công dân rút hồ sơ"
    STOPPED = "stopped", "Dừng xử lý"


class ApplicantKind(models.TextChoices):
    PERSON = "person", "Cá nhân"
    ORGANISATION = "organisation", "Tổ chức, doanh nghiệp"


class Delivery(models.TextChoices):
    """How the result goes back to the applicant (nơi nhận kết quả)."""

    DESK = "desk", "Nhận trực tiếp tại Bộ phận Một cửa"
    POST = "post", "Qua dịch vụ bưu chính công ích"
    ONLINE = "online", "Nhận kết quả điện tử trực tuyến"


class Timing(models.TextChoices):
    """How a hand-over or a result compares with its deadline (Mẫu 05, báo cáo II.06a)."""

    EARLY = "early", "Trước hạn"
    ON_TIME = "on_time", "Đúng hạn"
    LATE = "late", "Quá hạn"


class DeadlineUnit(models.TextChoices):
    WORKING_DAYS = "days", "ngày làm việc"
    WORKING_HOURS = "hours", "giờ làm việc"
    SAME_DAY = "same_day", "trong ngày"
    CALENDAR_DAYS = "calendar_days", "ngày"


def validate_identity_number(value: str) -> None:
    try:
        cccd.validate(value)
    except cccd.InvalidIdentityNumber as exc:
        raise ValidationError(str(exc), code="invalid_identity_number") from exc


class ProcedureRules(models.Model):
    """How the dossier engine applies the one-stop rules to one procedure, when its law differs.

    Absent row = the regulation pack's defaults (3 working days for a supplement request, …).
    """

    procedure = models.OneToOneField(
        "catalog.Procedure",
        verbose_name="thủ tục",
        on_delete=models.CASCADE,
        related_name="dossier_rules",
    )
    supplement_window_days = models.PositiveSmallIntegerField(
        "hạn yêu cầu bổ sung (ngày làm việc kể từ khi tiếp nhận)",
        null=True,
        blank=True,
        help_text="Để trống: theo quy định chung (3 ngày làm việc).",
    )
    consultation_pauses_deadline = models.BooleanField(
        "lấy ý kiến cơ quan khác thì tạm dừng tính thời hạn", default=False
    )
    obligation_pauses_deadline = models.BooleanField(
        "chờ thực hiện nghĩa vụ tài chính thì tạm dừng tính thời hạn", default=True
    )
    legal_basis = models.CharField("căn cứ", max_length=500, blank=True)

    class Meta:
        verbose_name = "quy tắc xử lý hồ sơ của thủ tục"
        verbose_name_plural = "quy tắc xử lý hồ sơ của thủ tục"

    def __str__(self) -> str:
        return str(self.procedure)


class Dossier(models.Model):
    """Hồ sơ thủ tục hành chính."""

    code = models.CharField("mã hồ sơ", max_length=60, unique=True)
    procedure = models.ForeignKey(
        "catalog.Procedure",
        verbose_name="thủ tục",
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    procedure_version = models.PositiveIntegerField(
        "phiên bản thủ tục áp dụng", null=True, blank=True
    )
    channel = models.CharField("hình thức nộp", max_length=10, choices=Channel.choices)
    subject = models.CharField("trích yếu", max_length=500, blank=True)
    # Applicant (chủ hồ sơ): may differ from the account that submitted (authorised person).
    applicant_kind = models.CharField(
        "loại chủ hồ sơ",
        max_length=20,
        choices=ApplicantKind.choices,
        default=ApplicantKind.PERSON,
    )
    applicant_name = models.CharField("tên chủ hồ sơ", max_length=255)
    applicant_identity_number = models.CharField(
        "số định danh cá nhân",
        max_length=12,
        blank=True,
        validators=[validate_identity_number],
    )
    applicant_tax_code = models.CharField(
        "mã số thuế/mã số doanh nghiệp", max_length=14, blank=True
    )
    applicant_representative = models.CharField(
        "người đại diện/người được ủy quyền", max_length=255, blank=True
    )
    applicant_phone = models.CharField("số điện thoại", max_length=15, blank=True)
    applicant_email = models.EmailField("thư điện tử", blank=True)
    applicant_address = models.CharField("địa chỉ", max_length=500, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="tài khoản nộp",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submitted_dossiers",
    )
    form_data = models.JSONField("dữ liệu biểu mẫu điện tử", default=dict, blank=True)
    paper_group = models.CharField("trường hợp (nhóm giấy tờ)", max_length=500, blank=True)
    result_delivery = models.CharField(
        "nơi nhận kết quả", max_length=10, choices=Delivery.choices, default=Delivery.DESK
    )
    # Where it is
    agency = models.ForeignKey(
        "organizations.Agency",
        verbose_name="cơ quan tiếp nhận",
        on_delete=models.PROTECT,
        related_name="received_dossiers",
    )
    desk = models.ForeignKey(
        "organizations.Desk",
        verbose_name="bộ phận một cửa",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers",
    )
    status = models.CharField(
        "trạng thái", max_length=30, choices=Status.choices, default=Status.SUBMITTED
    )
    resume_status = models.CharField(
        "trạng thái trước khi chờ", max_length=30, choices=Status.choices, blank=True
    )
    process = models.JSONField("quy trình nội bộ áp dụng", default=list, blank=True)
    current_step = models.ForeignKey(
        "StepAssignment",
        verbose_name="bước hiện tại",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Times
    submitted_at = models.DateTimeField("thời điểm nộp")
    received_at = models.DateTimeField("thời điểm tiếp nhận", null=True, blank=True)
    forwarded_at = models.DateTimeField("thời điểm chuyển xử lý", null=True, blank=True)
    due_at = models.DateTimeField("hạn trả kết quả", null=True, blank=True)
    finished_at = models.DateTimeField("thời điểm có kết quả", null=True, blank=True)
    returned_at = models.DateTimeField("thời điểm trả kết quả", null=True, blank=True)
    closed_at = models.DateTimeField("thời điểm kết thúc", null=True, blank=True)
    # Deadline inputs (the due date is always recomputed from these by calendars)
    deadline_unit = models.CharField(
        "đơn vị thời hạn", max_length=15, choices=DeadlineUnit.choices, blank=True
    )
    deadline_amount = models.DecimalField(
        "thời hạn giải quyết", max_digits=8, decimal_places=2, null=True, blank=True
    )
    paper = models.BooleanField("hồ sơ giấy (áp dụng giờ chốt 15:00)", default=False)
    deadline_restarted_at = models.DateTimeField("tính lại thời hạn từ", null=True, blank=True)
    clock_paused_since = models.DateTimeField("tạm dừng tính thời hạn từ", null=True, blank=True)
    pause_count = models.PositiveSmallIntegerField("số lần tạm dừng", default=0)
    rescheduled_at = models.DateTimeField("thời điểm hẹn lại", null=True, blank=True)
    rescheduled_due_at = models.DateTimeField("ngày hẹn lại", null=True, blank=True)
    # Money (integer đồng)
    fee_amount = models.BigIntegerField("phí, lệ phí (đồng)", null=True, blank=True)
    obligation_amount = models.BigIntegerField("nghĩa vụ tài chính (đồng)", null=True, blank=True)
    obligation_paid_at = models.DateTimeField(
        "thời điểm hoàn thành nghĩa vụ tài chính", null=True, blank=True
    )
    # Result hand-back
    returned_via = models.CharField(
        "hình thức trả kết quả", max_length=10, choices=Delivery.choices, blank=True
    )
    returned_to = models.CharField("người nhận kết quả", max_length=255, blank=True)
    # Machinery
    version = models.PositiveIntegerField("phiên bản", default=1)
    idempotency_key = models.CharField(
        "khóa chống nộp trùng", max_length=200, unique=True, null=True, blank=True
    )
    lookup_secret = models.CharField("mã tra cứu", max_length=16)
    created_at = models.DateTimeField("ngày tạo", auto_now_add=True)
    updated_at = models.DateTimeField("ngày cập nhật", auto_now=True)

    class Meta:
        verbose_name = "hồ sơ"
        verbose_name_plural = "hồ sơ"
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "status"], name="dossier_agency_status"),
            models.Index(fields=["status", "due_at"], name="dossier_status_due"),
            models.Index(fields=["submitted_by", "submitted_at"], name="dossier_applicant"),
            models.Index(fields=["procedure", "received_at"], name="dossier_procedure"),
            models.Index(fields=["received_at"], name="dossier_received"),
            # The tracking book of one agency (Mẫu 06): its lines and its numbering by year.
            models.Index(fields=["agency", "received_at"], name="dossier_agency_received"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def national_status(self) -> int:
        from chinhquyen.dossiers.workflow import national_status

        return national_status(self.status)

    @property
    def masked_identity_number(self) -> str:
        return cccd.mask(self.applicant_identity_number)

    @property
    def masked_phone(self) -> str:
        return phone.mask(self.applicant_phone) if self.applicant_phone else ""


class DossierCodeSequence(models.Model):
    """The last number given by an agency on a day (the NNNN of the code)."""

    agency = models.ForeignKey("organizations.Agency", on_delete=models.CASCADE, related_name="+")
    day = models.DateField("ngày")
    last_value = models.PositiveIntegerField("số cuối", default=0)

    class Meta:
        verbose_name = "số thứ tự mã hồ sơ"
        verbose_name_plural = "số thứ tự mã hồ sơ"
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="dossier_code_seq_once")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}: {self.last_value}"


class SupplementRequest(models.Model):
    """Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02): one full list, with reasons."""

    class Stage(models.TextChoices):
        RECEPTION = "reception", "Khi tiếp nhận"
        PROCESSING = "processing", "Trong quá trình giải quyết"

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="supplements")
    stage = models.CharField("giai đoạn", max_length=12, choices=Stage.choices)
    items = models.JSONField("giấy tờ cần bổ sung")
    note = models.TextField("hướng dẫn thêm", blank=True)
    requested_at = models.DateTimeField("thời điểm yêu cầu")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    window_ends_at = models.DateTimeField("hạn được yêu cầu bổ sung", null=True, blank=True)
    received_at = models.DateTimeField("thời điểm nhận đủ bổ sung", null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "yêu cầu bổ sung hồ sơ"
        verbose_name_plural = "yêu cầu bổ sung hồ sơ"
        ordering = ["dossier", "requested_at"]

    def __str__(self) -> str:
        return f"{self.dossier} – bổ sung {self.requested_at:%d/%m/%Y}"


class SubmittedPaper(models.Model):
    """A file of the dossier: a paper the applicant gave (or its scan), with its checksum."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="papers")
    required_paper = models.ForeignKey(
        "catalog.RequiredPaper",
        verbose_name="thành phần hồ sơ",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    required_paper_name = models.TextField("tên thành phần hồ sơ", blank=True)
    supplement = models.ForeignKey(
        SupplementRequest,
        verbose_name="nộp bổ sung theo yêu cầu",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="papers",
    )
    file = models.FileField("tệp", upload_to="dossiers/papers/", max_length=300)
    original_name = models.CharField("tên tệp gốc", max_length=255)
    content_type = models.CharField("loại tệp", max_length=100)
    size = models.PositiveBigIntegerField("dung lượng (byte)")
    sha256 = models.CharField("mã băm SHA-256", max_length=64)
    uploaded_at = models.DateTimeField("thời điểm nộp")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "giấy tờ đã nộp"
        verbose_name_plural = "giấy tờ đã nộp"
        ordering = ["dossier", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class StepAssignment(models.Model):
    """One visit of a dossier to a step of the internal process (quy trình nội bộ).

    A step visited again (after a return to the previous step) gets a new row, so that each
    visit keeps its own deadline and its own early/on time/late mark.
    """

    class Outcome(models.TextChoices):
        DONE = "done", "Hoàn thành"
        RETURNED = "returned", "Trả lại bước trước"
        CLOSED = "closed", "Kết thúc (hồ sơ dừng, rút, từ chối)"

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField("bước")
    name = models.CharField("nội dung công việc", max_length=500)
    responsible_role = models.CharField(
        "vai trò thực hiện", max_length=30, choices=Role.choices, blank=True
    )
    responsible_unit = models.CharField("đơn vị thực hiện", max_length=255, blank=True)
    agency = models.ForeignKey("organizations.Agency", on_delete=models.PROTECT, related_name="+")
    allowance_hours = models.DecimalField(
        "thời gian (giờ làm việc)", max_digits=7, decimal_places=2
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người xử lý",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossier_steps",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField("thời điểm phân công", null=True, blank=True)
    started_at = models.DateTimeField("bắt đầu")
    due_at = models.DateTimeField("hạn của bước")
    finished_at = models.DateTimeField("kết thúc", null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField("kết quả", max_length=10, choices=Outcome.choices, blank=True)
    opinion = models.TextField("ý kiến", blank=True)
    timing = models.CharField("tiến độ", max_length=10, choices=Timing.choices, blank=True)

    class Meta:
        verbose_name = "bước xử lý hồ sơ"
        verbose_name_plural = "bước xử lý hồ sơ"
        ordering = ["dossier", "started_at", "id"]
        indexes = [
            models.Index(fields=["assignee", "finished_at"], name="dossier_step_inbox"),
            models.Index(fields=["agency", "finished_at", "due_at"], name="dossier_step_due"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier} – bước {self.position}: {self.name}"


class Participation(models.Model):
    """Another agency's part: a consultation (lấy ý kiến) or inter-agency processing (liên thông)."""

    class Kind(models.TextChoices):
        CONSULTATION = "consultation", "Lấy ý kiến"
        SEQUENTIAL = "sequential", "Liên thông tuần tự"
        PARALLEL = "parallel", "Liên thông song song"

    class State(models.TextChoices):
        WAITING = "waiting", "Chờ đến lượt"
        ACTIVE = "active", "Đang xử lý"
        DONE = "done", "Đã xong"
        CANCELLED = "cancelled", "Đã hủy"

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="participations")
    kind = models.CharField("loại", max_length=15, choices=Kind.choices)
    batch = models.PositiveSmallIntegerField("lượt", default=1)
    position = models.PositiveSmallIntegerField("thứ tự", default=1)
    agency = models.ForeignKey(
        "organizations.Agency",
        verbose_name="cơ quan",
        on_delete=models.PROTECT,
        related_name="dossier_participations",
    )
    task = models.TextField("nội dung")
    deadline_unit = models.CharField("đơn vị thời hạn", max_length=15, choices=DeadlineUnit.choices)
    deadline_amount = models.DecimalField("thời hạn", max_digits=8, decimal_places=2)
    pauses_deadline = models.BooleanField("tạm dừng thời hạn của hồ sơ", default=False)
    state = models.CharField("tình trạng", max_length=10, choices=State.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("thời điểm gửi")
    started_at = models.DateTimeField("bắt đầu", null=True, blank=True)
    due_at = models.DateTimeField("hạn", null=True, blank=True)
    finished_at = models.DateTimeField("kết thúc", null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opinion = models.TextField("ý kiến, kết quả", blank=True)
    timing = models.CharField("tiến độ", max_length=10, choices=Timing.choices, blank=True)

    class Meta:
        verbose_name = "cơ quan phối hợp, liên thông"
        verbose_name_plural = "cơ quan phối hợp, liên thông"
        ordering = ["dossier", "batch", "position", "id"]
        indexes = [models.Index(fields=["agency", "state"], name="dossier_part_agency")]

    def __str__(self) -> str:
        return f"{self.dossier} – {self.get_kind_display()} – {self.agency}"


class DossierPause(models.Model):
    """An interval that does not count towards the deadline (tạm dừng tính thời hạn)."""

    class Kind(models.TextChoices):
        SUPPLEMENT = "supplement", "Chờ bổ sung hồ sơ"
        CONSULTATION = "consultation", "Chờ ý kiến cơ quan khác"
        OBLIGATION = "obligation", "Chờ thực hiện nghĩa vụ tài chính"

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="pauses")
    kind = models.CharField("loại", max_length=15, choices=Kind.choices)
    started_at = models.DateTimeField("bắt đầu")
    ended_at = models.DateTimeField("kết thúc", null=True, blank=True)
    reason = models.CharField("lý do", max_length=300, blank=True)
    participation = models.ForeignKey(
        Participation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "tạm dừng tính thời hạn"
        verbose_name_plural = "tạm dừng tính thời hạn"
        ordering = ["dossier", "started_at"]

    def __str__(self) -> str:
        return f"{self.dossier} – {self.get_kind_display()}"


class DueDateChange(models.Model):
    """The history of a dossier's due date: the first appointment and every change after it."""

    class Kind(models.TextChoices):
        APPOINTED = "appointed", "Hẹn trả kết quả khi tiếp nhận"
        RESTARTED = "restarted", "Tính lại từ đầu sau khi nhận đủ bổ sung"
        PAUSE = "pause", "Điều chỉnh do tạm dừng tính thời hạn"
        NEW_DATE = "new_date", "Xin lỗi và hẹn lại ngày trả kết quả"

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="due_changes")
    kind = models.CharField("loại", max_length=12, choices=Kind.choices)
    at = models.DateTimeField("thời điểm")
    before = models.DateTimeField("hạn cũ", null=True, blank=True)
    after = models.DateTimeField("hạn mới", null=True, blank=True)
    reason = models.TextField("lý do", blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_in_time = models.BooleanField("báo trước ít nhất 1 ngày làm việc", null=True, blank=True)

    class Meta:
        verbose_name = "thay đổi hạn trả kết quả"
        verbose_name_plural = "thay đổi hạn trả kết quả"
        ordering = ["dossier", "at", "id"]

    def __str__(self) -> str:
        return f"{self.dossier} – {self.get_kind_display()}"


class DossierEvent(models.Model):
    """One line of the control sheet: an action on the dossier and the hand-over it made."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveIntegerField("số thứ tự")
    action = models.CharField("thao tác", max_length=40)
    at = models.DateTimeField("thời điểm")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField("người thực hiện", max_length=255, blank=True)
    from_status = models.CharField("trạng thái trước", max_length=30, blank=True)
    to_status = models.CharField("trạng thái sau", max_length=30, blank=True)
    step_position = models.PositiveSmallIntegerField("bước", null=True, blank=True)
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_agency = models.ForeignKey(
        "organizations.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_agency = models.ForeignKey(
        "organizations.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_label = models.CharField("người/bộ phận nhận", max_length=255, blank=True)
    opinion = models.TextField("ý kiến", blank=True)
    due_before = models.DateTimeField("hạn trước", null=True, blank=True)
    due_after = models.DateTimeField("hạn sau", null=True, blank=True)
    timing = models.CharField("tiến độ", max_length=10, choices=Timing.choices, blank=True)
    data = models.JSONField("chi tiết", default=dict, blank=True)

    class Meta:
        verbose_name = "diễn biến xử lý hồ sơ"
        verbose_name_plural = "diễn biến xử lý hồ sơ (phiếu kiểm soát)"
        ordering = ["dossier", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "seq"], name="dossier_event_seq_once")
        ]

    def __str__(self) -> str:
        return f"{self.dossier} #{self.seq} {self.action}"


class ResultPaper(models.Model):
    """An issued result (kết quả giải quyết) or refusal letter: stored once, never rewritten."""

    class Kind(models.TextChoices):
        RESULT = "result", "Kết quả giải quyết"
        REFUSAL = "refusal", "Văn bản từ chối giải quyết"

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="results")
    kind = models.CharField("loại", max_length=10, choices=Kind.choices, default=Kind.RESULT)
    name = models.CharField("tên kết quả", max_length=500)
    number = models.CharField("số, ký hiệu", max_length=100, blank=True)
    file = models.FileField("tệp", upload_to="dossiers/results/", max_length=300)
    original_name = models.CharField("tên tệp gốc", max_length=255)
    content_type = models.CharField("loại tệp", max_length=100)
    size = models.PositiveBigIntegerField("dung lượng (byte)")
    sha256 = models.CharField("mã băm SHA-256", max_length=64)
    issued_at = models.DateTimeField("thời điểm phát hành")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "kết quả giải quyết"
        verbose_name_plural = "kết quả giải quyết"
        ordering = ["dossier", "issued_at", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError("Kết quả đã phát hành thì không được sửa hay ghi đè.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Kết quả đã phát hành thì không được xóa.")


class ApiToken(models.Model):
    """A token for an integration (Authorization: Bearer …), acting as its owner, within a scope.

    Only the SHA-256 of the token is stored; the token itself is shown once, when created.
    """

    name = models.CharField("tên ứng dụng tích hợp", max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="tài khoản sở hữu",
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    prefix = models.CharField("đầu mã", max_length=16, db_index=True)
    token_hash = models.CharField("mã băm", max_length=64, unique=True)
    agencies = models.ManyToManyField(
        "organizations.Agency",
        verbose_name="giới hạn trong các cơ quan",
        blank=True,
        related_name="+",
        help_text="Để trống: toàn bộ phạm vi của tài khoản sở hữu.",
    )
    created_at = models.DateTimeField("ngày tạo", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField("lần dùng gần nhất", null=True, blank=True)
    expires_at = models.DateTimeField("hết hạn", null=True, blank=True)
    revoked_at = models.DateTimeField("thu hồi lúc", null=True, blank=True)

    class Meta:
        verbose_name = "mã truy cập API"
        verbose_name_plural = "mã truy cập API"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class DossierDraft(models.Model):
    """An online application being filled in (hồ sơ lưu tạm), kept until it is submitted.

    A draft survives an expired session: it belongs to the account, not to the browser. Its
    ``public_id`` is what pages and the API show; the row id never appears in a URL. Submitting
    uses ``submission_key`` as the dossier's idempotency key, so a double click or a retried request
    creates one dossier.
    """

    public_id = models.UUIDField("mã bản nháp", unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="tài khoản",
        on_delete=models.CASCADE,
        related_name="dossier_drafts",
    )
    procedure = models.ForeignKey(
        "catalog.Procedure", verbose_name="thủ tục", on_delete=models.CASCADE, related_name="+"
    )
    agency = models.ForeignKey(
        "organizations.Agency",
        verbose_name="cơ quan tiếp nhận",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    data = models.JSONField("dữ liệu đã nhập", default=dict, blank=True)
    submission_key = models.CharField("khóa nộp", max_length=64, unique=True)
    dossier = models.OneToOneField(
        Dossier,
        verbose_name="hồ sơ đã nộp",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="draft",
    )
    created_at = models.DateTimeField("ngày tạo", auto_now_add=True)
    updated_at = models.DateTimeField("ngày cập nhật", auto_now=True)

    class Meta:
        verbose_name = "hồ sơ lưu tạm"
        verbose_name_plural = "hồ sơ lưu tạm"
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["owner", "updated_at"], name="dossier_draft_owner")]

    def __str__(self) -> str:
        return f"Nháp {self.procedure_id} ({self.updated_at:%d/%m/%Y})"


class DraftPaper(models.Model):
    """A file uploaded into a draft, checked like a submitted paper, moved to it on submission."""

    draft = models.ForeignKey(DossierDraft, on_delete=models.CASCADE, related_name="papers")
    required_paper = models.ForeignKey(
        "catalog.RequiredPaper",
        verbose_name="thành phần hồ sơ",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    file = models.FileField("tệp", upload_to="dossiers/drafts/", max_length=300)
    original_name = models.CharField("tên tệp gốc", max_length=255)
    content_type = models.CharField("loại tệp", max_length=100)
    size = models.PositiveBigIntegerField("dung lượng (byte)")
    sha256 = models.CharField("mã băm SHA-256", max_length=64)
    uploaded_at = models.DateTimeField("thời điểm tải lên")

    class Meta:
        verbose_name = "tệp của hồ sơ lưu tạm"
        verbose_name_plural = "tệp của hồ sơ lưu tạm"
        ordering = ["draft", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class Satisfaction(models.TextChoices):
    """Mức độ hài lòng (Thông tư 01/2018, đánh giá việc giải quyết thủ tục hành chính)."""

    VERY_SATISFIED = "very_satisfied", "Rất hài lòng"
    SATISFIED = "satisfied", "Hài lòng"
    NOT_SATISFIED = "not_satisfied", "Không hài lòng"


class DossierRating(models.Model):
    """The applicant's rating of how the dossier was handled: once per dossier."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="rating")
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người đánh giá",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    level = models.CharField("mức độ hài lòng", max_length=20, choices=Satisfaction.choices)
    reasons = models.JSONField("lý do", default=list, blank=True)
    comment = models.TextField("ý kiến khác", blank=True)
    # Copied from the dossier so indicators per agency and procedure need no join.
    agency = models.ForeignKey("organizations.Agency", on_delete=models.PROTECT, related_name="+")
    procedure = models.ForeignKey("catalog.Procedure", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("thời điểm đánh giá")

    class Meta:
        verbose_name = "đánh giá mức độ hài lòng"
        verbose_name_plural = "đánh giá mức độ hài lòng"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agency", "created_at"], name="dossier_rating_agency")]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.get_level_display()}"


class RatingReason(models.Model):
    """A reason a citizen may tick when rating a dossier, kept as data so the province can reword,
    reorder, add or retire reasons without a release.

    Ratings store the reason's ``code`` (a list of codes in :attr:`DossierRating.reasons`), so the
    code never changes once created and a reason used by a rating is retired (``is_active``
    off), never deleted: statistics keep counting and naming it.
    """

    code = models.SlugField(
        "mã lý do",
        max_length=40,
        unique=True,
        help_text="Mã cố định lưu trong các bản đánh giá (chữ thường, số, gạch ngang, gạch dưới); "
        "không sửa được sau khi tạo.",
    )
    text = models.CharField("nội dung hiển thị", max_length=200)
    for_very_satisfied = models.BooleanField("dùng khi chọn «Rất hài lòng»", default=True)
    for_satisfied = models.BooleanField("dùng khi chọn «Hài lòng»", default=True)
    for_not_satisfied = models.BooleanField("dùng khi chọn «Không hài lòng»", default=True)
    requires_comment = models.BooleanField(
        "bắt buộc ghi ý kiến",
        default=False,
        help_text="Người đánh giá chọn lý do này thì phải ghi rõ ý kiến (ví dụ lý do «Khác»).",
    )
    position = models.PositiveSmallIntegerField("thứ tự", default=100)
    is_active = models.BooleanField(
        "đang dùng",
        default=True,
        help_text="Bỏ chọn để thôi hiển thị lý do này; các đánh giá cũ vẫn được thống kê theo nó.",
    )

    class Meta:
        verbose_name = "lý do đánh giá"
        verbose_name_plural = "lý do đánh giá"
        ordering = ["position", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(for_very_satisfied=True)
                | models.Q(for_satisfied=True)
                | models.Q(for_not_satisfied=True),
                name="rating_reason_has_level",
            )
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def levels(self) -> list[str]:
        """The satisfaction levels this reason is offered for, in the order of the scale."""
        flags = {
            Satisfaction.VERY_SATISFIED: self.for_very_satisfied,
            Satisfaction.SATISFIED: self.for_satisfied,
            Satisfaction.NOT_SATISFIED: self.for_not_satisfied,
        }
        return [str(level) for level, on in flags.items() if on]

    def offered_for(self, level: str) -> bool:
        return level in self.levels
