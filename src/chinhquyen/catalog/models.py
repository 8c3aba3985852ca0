"""The procedure catalog (danh mục thủ tục hành chính, TTHC).

A :class:`Procedure` is one national procedure as published in the national database, with the
province's own additions: which local agencies handle it (:class:`ProcedureAgency`), the internal
process (quy trình nội bộ, :class:`ProcessStep`, with per-agency overrides), form files and the
online service level. Every change writes an immutable :class:`ProcedureVersion` so a dossier can
point to the version in force when it was received.

Rows are written only by :mod:`chinhquyen.catalog.services`.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from chinhquyen.accounts.models import Role
from chinhquyen.catalog import codes
from chinhquyen.catalog.parsing import Duration, TimeUnit, format_decimal


def validate_procedure_code(value: str) -> None:
    try:
        codes.parse(value)
    except codes.InvalidProcedureCode as exc:
        raise ValidationError(str(exc), code="invalid_procedure_code") from exc


class Field(models.Model):
    """Lĩnh vực: the sector a procedure belongs to (Hộ tịch, Đất đai, …)."""

    name = models.CharField("tên lĩnh vực", max_length=255, unique=True)
    name_key = models.CharField("khóa tìm kiếm", max_length=255, unique=True, editable=False)
    code = models.CharField("mã lĩnh vực", max_length=40, blank=True)

    class Meta:
        verbose_name = "lĩnh vực"
        verbose_name_plural = "lĩnh vực"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Level(models.TextChoices):
    """Cấp thực hiện."""

    MINISTRY = "ministry", "Cấp bộ"
    PROVINCE = "province", "Cấp tỉnh"
    COMMUNE = "commune", "Cấp xã"
    OTHER = "other", "Cơ quan khác"


LEVEL_FLAGS = {
    Level.MINISTRY: "at_ministry",
    Level.PROVINCE: "at_province",
    Level.COMMUNE: "at_commune",
    Level.OTHER: "at_other",
}


class OnlineLevel(models.TextChoices):
    """Mức độ dịch vụ công trực tuyến (Nghị định 42/2022/NĐ-CP)."""

    FULL = "full", "Toàn trình"
    PARTIAL = "partial", "Một phần"
    # The national data says a procedure can be submitted online but not at which level.
    UNSPECIFIED = "unspecified", "Có nộp trực tuyến (chưa xác định mức độ)"
    NONE = "none", "Không trực tuyến"


ONLINE_LEVELS = (OnlineLevel.FULL, OnlineLevel.PARTIAL, OnlineLevel.UNSPECIFIED)


class Procedure(models.Model):
    """Thủ tục hành chính."""

    code = models.CharField(
        "mã thủ tục",
        max_length=codes.MAX_LENGTH,
        unique=True,
        validators=[validate_procedure_code],
        help_text="Mã trên Cơ sở dữ liệu quốc gia về TTHC, ví dụ 1.001612 hoặc 1.000494.000.00.00.H29.",
    )
    base_code = models.CharField("mã gốc", max_length=8, db_index=True, editable=False)
    code_suffix = models.CharField("mã cơ quan kèm theo", max_length=40, blank=True, editable=False)
    name = models.CharField("tên thủ tục", max_length=2000)
    field = models.ForeignKey(
        Field,
        verbose_name="lĩnh vực",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="procedures",
    )
    at_ministry = models.BooleanField("cấp bộ", default=False)
    at_province = models.BooleanField("cấp tỉnh", default=False)
    at_commune = models.BooleanField("cấp xã", default=False)
    at_other = models.BooleanField("cơ quan khác", default=False)
    kind = models.CharField("loại thủ tục", max_length=200, blank=True)
    decision_number = models.CharField("quyết định công bố", max_length=200, blank=True)
    issuing_agency = models.CharField("cơ quan ban hành", max_length=300, blank=True)
    applicant_types = models.JSONField("đối tượng thực hiện", default=list, blank=True)
    competent_authority = models.TextField("cơ quan có thẩm quyền", blank=True)
    implementing_agency = models.TextField("cơ quan thực hiện", blank=True)
    receiving_address = models.TextField("địa chỉ tiếp nhận hồ sơ", blank=True)
    delegated_agency = models.TextField("cơ quan được ủy quyền", blank=True)
    coordinating_agency = models.TextField("cơ quan phối hợp", blank=True)
    agencies = models.ManyToManyField(
        "organizations.Agency",
        through="ProcedureAgency",
        verbose_name="cơ quan giải quyết tại địa phương",
        blank=True,
        related_name="procedures",
    )
    steps_text = models.TextField("trình tự thực hiện", blank=True)
    conditions = models.TextField("yêu cầu, điều kiện", blank=True)
    legal_basis = models.JSONField("căn cứ pháp lý", default=list, blank=True)
    legal_basis_text = models.TextField("căn cứ pháp lý (nguyên văn)", blank=True)
    results = models.JSONField("kết quả", default=list, blank=True)
    result_description = models.TextField("mô tả kết quả", blank=True)
    keywords = models.TextField("từ khóa", blank=True)
    related_procedures = models.TextField("thủ tục liên quan", blank=True)
    online_level = models.CharField(
        "mức độ trực tuyến", max_length=20, choices=OnlineLevel.choices, default=OnlineLevel.NONE
    )
    channels_text = models.TextField("cách thức thực hiện (nguyên văn)", blank=True)
    papers_text = models.TextField("thành phần hồ sơ (nguyên văn)", blank=True)
    source = models.CharField("nguồn dữ liệu", max_length=40, blank=True)
    source_url = models.URLField("đường dẫn nguồn", max_length=500, blank=True)
    is_active = models.BooleanField("đang áp dụng", default=True)
    version = models.PositiveIntegerField("phiên bản", default=0, editable=False)
    search_name = models.TextField(editable=False, blank=True)
    search_body = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField("ngày tạo", auto_now_add=True)
    updated_at = models.DateTimeField("ngày cập nhật", auto_now=True)

    class Meta:
        verbose_name = "thủ tục hành chính"
        verbose_name_plural = "thủ tục hành chính"
        ordering = ["code"]
        indexes = [
            models.Index(fields=["is_active", "at_province"], name="catalog_proc_province"),
            models.Index(fields=["is_active", "at_commune"], name="catalog_proc_commune"),
            models.Index(fields=["online_level"], name="catalog_proc_online"),
            # Lets search check cheaply whether the catalog changed (count, max id, max time).
            models.Index(fields=["updated_at"], name="catalog_proc_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.code} – {self.name}"

    @property
    def levels(self) -> list[str]:
        return [level for level, flag in LEVEL_FLAGS.items() if getattr(self, flag)]

    @property
    def level_labels(self) -> list[str]:
        return [Level(level).label for level in self.levels]

    @property
    def accepts_online(self) -> bool:
        return self.online_level in ONLINE_LEVELS

    def processing_time(self, channel: str | None = None) -> Duration | None:
        """The time of ``channel`` (default: direct, else the first channel with a time)."""
        rows = [c for c in self.channels.all() if c.duration is not None]
        preferred = [c for c in rows if c.channel == (channel or Channel.DIRECT)]
        row = (preferred or ([] if channel else rows) or [None])[0]
        return row.duration if row else None


class ProcedureAgency(models.Model):
    """A local agency and the part it plays in a procedure."""

    class Role(models.TextChoices):
        COMPETENT = "competent", "Cơ quan có thẩm quyền"
        IMPLEMENTING = "implementing", "Cơ quan thực hiện"
        RECEIVING = "receiving", "Nơi tiếp nhận hồ sơ"

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="agency_links")
    agency = models.ForeignKey(
        "organizations.Agency",
        verbose_name="cơ quan",
        on_delete=models.PROTECT,
        related_name="procedure_links",
    )
    role = models.CharField(
        "vai trò", max_length=20, choices=Role.choices, default=Role.IMPLEMENTING
    )

    class Meta:
        verbose_name = "cơ quan giải quyết"
        verbose_name_plural = "cơ quan giải quyết"
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "agency", "role"], name="catalog_procedure_agency_role_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency} ({self.get_role_display()})"


class Channel(models.TextChoices):
    """Hình thức nộp (KenhThucHien: 1 trực tiếp, 2 trực tuyến, 3 bưu chính)."""

    DIRECT = "direct", "Trực tiếp"
    ONLINE = "online", "Trực tuyến"
    POSTAL = "postal", "Dịch vụ bưu chính"


TIME_UNIT_CHOICES = [(k, v) for k, v in TimeUnit.LABELS.items()]


class ProcedureChannel(models.Model):
    """Cách thức thực hiện: processing time and fee of one channel."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="channels")
    position = models.PositiveSmallIntegerField("thứ tự", default=0)
    channel = models.CharField("hình thức nộp", max_length=10, choices=Channel.choices)
    time_value = models.DecimalField(
        "thời hạn giải quyết", max_digits=8, decimal_places=2, null=True, blank=True
    )
    time_unit = models.CharField(
        "đơn vị thời hạn", max_length=20, choices=TIME_UNIT_CHOICES, blank=True
    )
    time_text = models.CharField("thời hạn (nguyên văn)", max_length=300, blank=True)
    fee_amount = models.BigIntegerField(
        "phí, lệ phí (đồng)",
        null=True,
        blank=True,
        help_text="Số nguyên, đơn vị đồng; 0 là miễn phí; để trống khi chưa rõ hoặc không tính bằng đồng.",
    )
    fee_currency = models.CharField("đơn vị tiền", max_length=3, blank=True)
    fee_text = models.CharField("phí, lệ phí (nguyên văn)", max_length=300, blank=True)
    fee_description = models.TextField("mô tả phí, lệ phí", blank=True)
    description = models.TextField("mô tả", blank=True)

    class Meta:
        verbose_name = "cách thức thực hiện"
        verbose_name_plural = "cách thức thực hiện"
        ordering = ["procedure", "position"]

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.time_label} – {self.fee_label}"

    @property
    def duration(self) -> Duration | None:
        if self.time_unit == TimeUnit.SAME_DAY:
            return Duration(None, TimeUnit.SAME_DAY, self.time_text)
        if self.time_value is None or not self.time_unit:
            return None
        return Duration(Decimal(self.time_value), self.time_unit, self.time_text)

    @property
    def time_label(self) -> str:
        duration = self.duration
        return duration.label() if duration else (self.time_text or "Không có thông tin")

    @property
    def fee_label(self) -> str:
        if self.fee_amount == 0:
            return "Miễn phí"
        if self.fee_amount is not None:
            return f"{self.fee_amount:,} đồng".replace(",", ".")
        return self.fee_text or "Không có thông tin"


class PaperKind(models.TextChoices):
    """What a row of "Thành phần hồ sơ" asks of the applicant."""

    SUBMIT = "submit", "Giấy tờ phải nộp"
    PRESENT = "present", "Giấy tờ xuất trình"
    NOTE = "note", "Lưu ý"


class RequiredPaper(models.Model):
    """Thành phần hồ sơ: a paper the applicant supplies, or a note about them.

    ``group`` names one of alternative cases (trường hợp) the applicant chooses from; papers
    with no group apply to every case. A paper is required only when it is a ``submit`` paper
    and not ``conditional`` (needed only "trong trường hợp …", "nếu có"); a ``present`` paper is
    shown to the clerk and handed back; a ``note`` is guidance, never asked for as a file.
    """

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="papers")
    position = models.PositiveSmallIntegerField("thứ tự", default=0)
    group = models.TextField("nhóm (trường hợp)", blank=True)
    name = models.TextField("tên giấy tờ")
    kind = models.CharField(
        "loại", max_length=10, choices=PaperKind.choices, default=PaperKind.SUBMIT
    )
    conditional = models.BooleanField(
        "chỉ cần trong một số trường hợp",
        default=False,
        help_text="Giấy tờ “nếu có” hoặc chỉ cần “trong trường hợp …”: được nộp, không bắt buộc.",
    )
    condition = models.CharField("trường hợp cần", max_length=300, blank=True)
    originals = models.PositiveSmallIntegerField("số bản chính", null=True, blank=True)
    copies = models.PositiveSmallIntegerField("số bản sao", null=True, blank=True)
    template_names = models.JSONField("tên tệp mẫu đơn, tờ khai", default=list, blank=True)
    template_file = models.FileField(
        "tệp mẫu đơn, tờ khai", upload_to="catalog/forms/", max_length=300, blank=True
    )
    has_eform = models.BooleanField("có biểu mẫu điện tử", default=False)

    class Meta:
        verbose_name = "thành phần hồ sơ"
        verbose_name_plural = "thành phần hồ sơ"
        ordering = ["procedure", "position"]

    def __str__(self) -> str:
        return self.name[:120]

    @property
    def is_required(self) -> bool:
        """Must be supplied (as a file when applying online) in its case."""
        return self.kind == PaperKind.SUBMIT and not self.conditional

    @property
    def condition_label(self) -> str:
        """The mark of a conditional paper ("nếu có", "trong trường hợp …"), else ``""``."""
        if not self.conditional:
            return ""
        if not self.condition or self.condition == "nếu có":
            return "nếu có"
        return f"trong trường hợp {self.condition}"

    @property
    def is_certified_copy(self) -> bool:
        """The paper's own wording asks for a certified copy (bản sao có chứng thực)."""
        from chinhquyen.lib.vntext import fold

        return "chung thuc" in fold(self.name)

    @property
    def quantity_label(self) -> str:
        parts = []
        if self.originals:
            parts.append(f"{self.originals} bản chính")
        if self.copies:
            parts.append(
                f"{self.copies} bản sao" + (" (có chứng thực)" if self.is_certified_copy else "")
            )
        return ", ".join(parts) or "Không có thông tin"


class ProcessStep(models.Model):
    """Quy trình nội bộ: one step, its responsible unit/role and its time allowance.

    Steps with no agency are the province's default process; steps with an agency replace the
    default for that agency (a ward may have different allowances).
    """

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="process_steps")
    agency = models.ForeignKey(
        "organizations.Agency",
        verbose_name="riêng cho cơ quan",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="process_steps",
    )
    position = models.PositiveSmallIntegerField("bước")
    name = models.CharField("nội dung công việc", max_length=500)
    responsible_role = models.CharField(
        "vai trò thực hiện", max_length=30, choices=Role.choices, blank=True
    )
    responsible_unit = models.CharField("đơn vị/bộ phận thực hiện", max_length=255, blank=True)
    allowance_hours = models.DecimalField(
        "thời gian (giờ làm việc)", max_digits=7, decimal_places=2
    )

    class Meta:
        verbose_name = "bước quy trình nội bộ"
        verbose_name_plural = "quy trình nội bộ"
        ordering = ["procedure", "agency", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure", "position"],
                condition=models.Q(agency__isnull=True),
                name="catalog_step_position_once",
            ),
            models.UniqueConstraint(
                fields=["procedure", "agency", "position"],
                condition=models.Q(agency__isnull=False),
                name="catalog_agency_step_position_once",
            ),
        ]

    def __str__(self) -> str:
        return f"Bước {self.position}: {self.name}"

    @property
    def allowance_label(self) -> str:
        return f"{format_decimal(Decimal(self.allowance_hours))} giờ làm việc"


class ProcedureVersion(models.Model):
    """An immutable snapshot of a procedure; dossiers point to the one in force when received."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("phiên bản")
    snapshot = models.JSONField("nội dung")
    reason = models.CharField("lý do", max_length=200, blank=True)
    created_at = models.DateTimeField("thời điểm", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người thay đổi",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "phiên bản thủ tục"
        verbose_name_plural = "phiên bản thủ tục"
        ordering = ["procedure", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="catalog_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError("Phiên bản thủ tục đã ghi thì không được sửa.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Phiên bản thủ tục đã ghi thì không được xóa.")


class LifeEvent(models.Model):
    """Sự kiện đời sống: a moment of life ("Khi sinh con") and the procedures it usually needs.

    Citizens think in events, not in fields of law; an event lists the procedures in the order
    people usually do them.
    """

    slug = models.SlugField("đường dẫn", max_length=80, unique=True)
    name = models.CharField("tên sự kiện", max_length=200)
    description = models.TextField("mô tả", blank=True)
    order = models.PositiveSmallIntegerField("thứ tự", default=0)
    is_active = models.BooleanField("đang hiển thị", default=True)
    procedures = models.ManyToManyField(
        Procedure,
        through="LifeEventProcedure",
        verbose_name="thủ tục",
        blank=True,
        related_name="life_events",
    )

    class Meta:
        verbose_name = "sự kiện đời sống"
        verbose_name_plural = "sự kiện đời sống"
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class LifeEventProcedure(models.Model):
    """One procedure of a life event, at its place in the event's list."""

    life_event = models.ForeignKey(LifeEvent, on_delete=models.CASCADE, related_name="items")
    procedure = models.ForeignKey(
        Procedure, on_delete=models.CASCADE, related_name="life_event_items"
    )
    order = models.PositiveSmallIntegerField("thứ tự", default=0)

    class Meta:
        verbose_name = "thủ tục của sự kiện"
        verbose_name_plural = "thủ tục của sự kiện"
        ordering = ["life_event", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["life_event", "procedure"], name="catalog_life_event_procedure_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.life_event}: {self.procedure.code}"
