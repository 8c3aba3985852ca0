"""The working calendar in the database: special days, office hours, which years are known.

Rows are written only through :mod:`chinhquyen.calendars.services` (audited); deadlines are computed
by :mod:`chinhquyen.calendars.deadlines` from a snapshot the loader builds from these rows.
"""

from __future__ import annotations

from datetime import time

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from chinhquyen.calendars import deadlines


class CalendarDay(models.Model):
    """A day that differs from the ordinary week, nationally (no agency) or for one agency.

    * ``holiday``: a public holiday (ngày nghỉ lễ, Tết), including nghỉ bù; or an agency's own day off;
    * ``day_off_swap``: a weekday off given in exchange for a Saturday worked (ngày nghỉ hoán đổi);
    * ``worked_day``: a Saturday (or other day off) worked in exchange (ngày làm bù).

    An agency's row replaces the national row of the same date for that agency. A national row an
    administrator removed stays as an inactive row so that re-seeding does not bring it back.
    """

    class Kind(models.TextChoices):
        HOLIDAY = deadlines.HOLIDAY, deadlines.KIND_LABELS[deadlines.HOLIDAY]
        DAY_OFF_SWAP = deadlines.DAY_OFF_SWAP, deadlines.KIND_LABELS[deadlines.DAY_OFF_SWAP]
        WORKED_DAY = deadlines.WORKED_DAY, deadlines.KIND_LABELS[deadlines.WORKED_DAY]

    class Origin(models.TextChoices):
        SEED = "seed", "Khởi tạo từ dữ liệu quốc gia"
        ADMIN = "admin", "Quản trị viên"

    date = models.DateField("ngày")
    agency = models.ForeignKey(
        "organizations.Agency",
        verbose_name="cơ quan (để trống: toàn quốc)",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_days",
    )
    kind = models.CharField("loại", max_length=20, choices=Kind.choices)
    name = models.CharField("tên", max_length=200)
    legal_source = models.CharField("căn cứ pháp lý", max_length=500, blank=True)
    pair_date = models.DateField(
        "ngày hoán đổi tương ứng",
        null=True,
        blank=True,
        help_text="Với ngày nghỉ hoán đổi: thứ Bảy làm bù; với ngày làm bù: ngày được nghỉ.",
    )
    is_active = models.BooleanField(
        "còn hiệu lực",
        default=True,
        help_text="Bỏ chọn khi quản trị viên bỏ một ngày của lịch quốc gia (khởi tạo lại không khôi phục).",
    )
    origin = models.CharField("nguồn", max_length=10, choices=Origin.choices, default=Origin.ADMIN)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    class Meta:
        verbose_name = "ngày đặc biệt"
        verbose_name_plural = "lịch nghỉ lễ, hoán đổi, làm bù"
        ordering = ["date", "agency_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["date"],
                condition=Q(agency__isnull=True),
                name="calendar_day_national_once",
                violation_error_message="Lịch toàn quốc đã có ngày này; hãy sửa dòng đã có.",
            ),
            models.UniqueConstraint(
                fields=["date", "agency"],
                condition=Q(agency__isnull=False),
                name="calendar_day_agency_once",
                violation_error_message="Lịch của cơ quan này đã có ngày này; hãy sửa dòng đã có.",
            ),
        ]
        indexes = [models.Index(fields=["date"], name="calendar_day_date")]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} – {self.name}"

    @property
    def scope(self) -> str:
        return "agency" if self.agency_id else "national"

    def as_dict(self) -> dict:
        return {
            "date": self.date.isoformat(),
            "kind": self.kind,
            "name": self.name,
            "legal_source": self.legal_source,
            "pair_date": self.pair_date.isoformat() if self.pair_date else None,
            "agency": self.agency.code if self.agency_id else None,
            "is_active": self.is_active,
            "origin": self.origin,
        }


class OfficeHours(models.Model):
    """Giờ làm việc of one weekday, for one agency (or, with no agency, the national default).

    An agency with no rows uses the national default; an agency with rows works only on the weekdays
    it has rows for. A morning-only day leaves the afternoon empty.
    """

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Thứ Hai"
        TUESDAY = 1, "Thứ Ba"
        WEDNESDAY = 2, "Thứ Tư"
        THURSDAY = 3, "Thứ Năm"
        FRIDAY = 4, "Thứ Sáu"
        SATURDAY = 5, "Thứ Bảy"
        SUNDAY = 6, "Chủ nhật"

    agency = models.ForeignKey(
        "organizations.Agency",
        verbose_name="cơ quan (để trống: mặc định toàn tỉnh)",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="office_hours",
    )
    weekday = models.PositiveSmallIntegerField("thứ", choices=Weekday.choices)
    morning_start = models.TimeField("sáng từ", default=time(7, 30))
    morning_end = models.TimeField("sáng đến", default=time(11, 30))
    afternoon_start = models.TimeField("chiều từ", null=True, blank=True, default=time(13, 30))
    afternoon_end = models.TimeField("chiều đến", null=True, blank=True, default=time(17, 0))

    class Meta:
        verbose_name = "giờ làm việc"
        verbose_name_plural = "giờ làm việc"
        ordering = ["agency_id", "weekday"]
        constraints = [
            models.UniqueConstraint(
                fields=["weekday"],
                condition=Q(agency__isnull=True),
                name="office_hours_national_once",
                violation_error_message="Giờ làm việc mặc định của thứ này đã có; hãy sửa dòng đã có.",
            ),
            models.UniqueConstraint(
                fields=["agency", "weekday"],
                condition=Q(agency__isnull=False),
                name="office_hours_agency_once",
                violation_error_message="Cơ quan đã có giờ làm việc của thứ này; hãy sửa dòng đã có.",
            ),
            models.CheckConstraint(
                condition=Q(weekday__lte=6),
                name="office_hours_weekday_range",
                violation_error_message="Thứ phải từ 0 (Thứ Hai) đến 6 (Chủ nhật).",
            ),
        ]

    def __str__(self) -> str:
        who = self.agency.short_name or self.agency.name if self.agency_id else "Mặc định"
        return f"{who}: {self.get_weekday_display()} {self.describe()}"

    def intervals(self) -> tuple[tuple[time, time], ...]:
        result = [(self.morning_start, self.morning_end)]
        if self.afternoon_start and self.afternoon_end:
            result.append((self.afternoon_start, self.afternoon_end))
        return tuple(result)

    def describe(self) -> str:
        return ", ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in self.intervals())

    def clean(self) -> None:
        if (self.afternoon_start is None) != (self.afternoon_end is None):
            raise ValidationError(
                "Buổi chiều cần có cả giờ bắt đầu và giờ kết thúc (hoặc để trống cả hai)."
            )
        if self.morning_start and self.morning_end and not self.morning_start < self.morning_end:
            raise ValidationError({"morning_end": "Giờ kết thúc buổi sáng phải sau giờ bắt đầu."})
        if self.afternoon_start and self.afternoon_end:
            if not self.afternoon_start < self.afternoon_end:
                raise ValidationError(
                    {"afternoon_end": "Giờ kết thúc buổi chiều phải sau giờ bắt đầu."}
                )
            if self.morning_end and self.afternoon_start < self.morning_end:
                raise ValidationError(
                    {"afternoon_start": "Buổi chiều phải bắt đầu sau khi buổi sáng kết thúc."}
                )

    def as_dict(self) -> dict:
        return {
            "agency": self.agency.code if self.agency_id else None,
            "weekday": self.weekday,
            "hours": self.describe(),
        }


class SeededYear(models.Model):
    """A year the national calendar holds. Deadlines touching any other year raise an error."""

    year = models.PositiveSmallIntegerField("năm", unique=True)
    seeded_at = models.DateTimeField("khởi tạo lúc", auto_now=True)
    source = models.CharField("nguồn dữ liệu", max_length=100, blank=True)

    class Meta:
        verbose_name = "năm đã khởi tạo lịch"
        verbose_name_plural = "năm đã khởi tạo lịch"
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarRevision(models.Model):
    """One row whose token changes in every transaction that changes the calendar.

    The loader keeps snapshots in memory keyed by this token, so every process sees a change at its
    next computation (a rolled-back change leaves the previous token, never a reused one).
    """

    token = models.CharField("mã phiên bản", max_length=32)
    changed_at = models.DateTimeField("thay đổi lúc")

    class Meta:
        verbose_name = "phiên bản lịch"
        verbose_name_plural = "phiên bản lịch"

    def __str__(self) -> str:
        return self.token
