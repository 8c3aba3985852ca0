"""Administrative units, agencies, their units, and one-stop desks.

Since 1 July 2025 local government has two levels: 34 provinces/centrally run cities and 3,321
wards, communes and special zones (xã, phường, đặc khu). Districts no longer exist; legacy
addresses are mapped with :class:`LegacyUnitMapping`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from chinhquyen.lib import agency_code


def validate_agency_code(value: str) -> None:
    try:
        agency_code.validate(value)
    except agency_code.InvalidAgencyCode as exc:
        raise ValidationError(str(exc), code="invalid_agency_code") from exc


class AdministrativeUnit(models.Model):
    """Đơn vị hành chính: a province (cấp tỉnh) or a ward/commune (cấp xã), official code."""

    class Level(models.TextChoices):
        PROVINCE = "province", "Cấp tỉnh"
        WARD = "ward", "Cấp xã"

    code = models.CharField("mã", max_length=10, unique=True)
    name = models.CharField("tên", max_length=200)
    level = models.CharField("cấp", max_length=10, choices=Level.choices)
    kind = models.CharField("loại", max_length=40, blank=True, help_text="Phường, Xã, Đặc khu…")
    province = models.ForeignKey(
        "self",
        verbose_name="tỉnh/thành phố",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="wards",
        limit_choices_to={"level": "province"},
    )

    class Meta:
        verbose_name = "đơn vị hành chính"
        verbose_name_plural = "đơn vị hành chính"
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "province"])]

    def __str__(self) -> str:
        return self.name


class LegacyUnitMapping(models.Model):
    """A pre-July-2025 commune and the new ward/commune it was merged into (whole or part)."""

    old_code = models.CharField("mã xã cũ", max_length=10, db_index=True)
    old_name = models.CharField("tên xã cũ", max_length=200)
    old_name_key = models.CharField(
        "khóa tìm kiếm tên xã cũ",
        max_length=200,
        blank=True,
        editable=False,
        db_index=True,
        help_text="Tên không dấu, chữ thường, bỏ tiền tố xã/phường: để tìm không phân biệt dấu.",
    )
    old_district = models.CharField("quận/huyện cũ", max_length=200, blank=True)
    old_province = models.CharField("tỉnh cũ", max_length=200, blank=True)
    new_unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name="đơn vị mới",
        on_delete=models.CASCADE,
        related_name="legacy_mappings",
    )
    whole = models.BooleanField("nhập toàn bộ", default=True)
    note = models.CharField("ghi chú", max_length=300, blank=True)

    class Meta:
        verbose_name = "chuyển đổi đơn vị hành chính cũ"
        verbose_name_plural = "chuyển đổi đơn vị hành chính cũ"
        constraints = [
            models.UniqueConstraint(fields=["old_code", "new_unit"], name="legacy_unit_once")
        ]

    def __str__(self) -> str:
        return f"{self.old_name} ({self.old_district}) → {self.new_unit}"


class Agency(models.Model):
    """Cơ quan: a department (sở/ban/ngành), a people's committee, or the service centre."""

    class Kind(models.TextChoices):
        PROVINCE_COMMITTEE = "province_committee", "UBND tỉnh"
        DEPARTMENT = "department", "Sở, ban, ngành"
        SERVICE_CENTRE = "service_centre", "Trung tâm Phục vụ hành chính công"
        WARD_COMMITTEE = "ward_committee", "UBND phường/xã"
        OTHER = "other", "Cơ quan khác"

    code = models.CharField(
        "mã định danh",
        max_length=agency_code.MAX_LENGTH,
        unique=True,
        validators=[validate_agency_code],
        help_text="Theo QCVN 102:2016 hoặc Quyết định 20/2020/QĐ-TTg, ví dụ 000.00.00.H41.",
    )
    name = models.CharField("tên cơ quan", max_length=255)
    short_name = models.CharField("tên viết tắt", max_length=60, blank=True)
    kind = models.CharField("loại", max_length=30, choices=Kind.choices, default=Kind.DEPARTMENT)
    parent = models.ForeignKey(
        "self",
        verbose_name="cơ quan cấp trên",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    admin_unit = models.ForeignKey(
        AdministrativeUnit,
        verbose_name="địa bàn",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agencies",
    )
    address = models.CharField("địa chỉ", max_length=300, blank=True)
    phone = models.CharField("điện thoại", max_length=30, blank=True)
    email = models.EmailField("thư điện tử", blank=True)
    is_active = models.BooleanField("đang hoạt động", default=True)

    class Meta:
        verbose_name = "cơ quan"
        verbose_name_plural = "cơ quan"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.code:
            self.code = agency_code.normalize(self.code)
        if self.parent_id and self.pk:
            node = self.parent
            while node is not None:
                if node.pk == self.pk:
                    raise ValidationError(
                        {"parent": "Cơ quan cấp trên không được là chính nó hoặc cấp dưới của nó."}
                    )
                node = node.parent

    def ancestors(self) -> list[Agency]:
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain


class Unit(models.Model):
    """Đơn vị (phòng, bộ phận) inside an agency."""

    agency = models.ForeignKey(
        Agency, verbose_name="cơ quan", on_delete=models.CASCADE, related_name="units"
    )
    code = models.CharField("mã", max_length=40)
    name = models.CharField("tên đơn vị", max_length=255)
    is_one_stop = models.BooleanField("là bộ phận một cửa", default=False)

    class Meta:
        verbose_name = "đơn vị trực thuộc"
        verbose_name_plural = "đơn vị trực thuộc"
        ordering = ["agency", "code"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "code"], name="unit_code_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.name} – {self.agency.short_name or self.agency.name}"


class Desk(models.Model):
    """Bộ phận Một cửa: a place where dossiers are received and results returned."""

    agency = models.ForeignKey(
        Agency, verbose_name="cơ quan", on_delete=models.CASCADE, related_name="desks"
    )
    name = models.CharField("tên bộ phận một cửa", max_length=255)
    address = models.CharField("địa chỉ", max_length=300, blank=True)
    opening_hours = models.CharField("giờ làm việc", max_length=200, blank=True)
    is_active = models.BooleanField("đang hoạt động", default=True)

    class Meta:
        verbose_name = "bộ phận một cửa"
        verbose_name_plural = "bộ phận một cửa"
        ordering = ["agency", "name"]

    def __str__(self) -> str:
        return self.name


class Counter(models.Model):
    """Quầy: one counter of a desk, optionally serving some agencies' procedures."""

    desk = models.ForeignKey(
        Desk, verbose_name="bộ phận một cửa", on_delete=models.CASCADE, related_name="counters"
    )
    number = models.PositiveSmallIntegerField("số quầy")
    label = models.CharField("tên quầy", max_length=200, blank=True)
    serves = models.ManyToManyField(
        Agency, verbose_name="tiếp nhận cho cơ quan", blank=True, related_name="counters"
    )
    is_active = models.BooleanField("đang hoạt động", default=True)

    class Meta:
        verbose_name = "quầy"
        verbose_name_plural = "quầy"
        ordering = ["desk", "number"]
        constraints = [
            models.UniqueConstraint(fields=["desk", "number"], name="counter_number_per_desk")
        ]

    def __str__(self) -> str:
        return f"Quầy {self.number} – {self.desk}"
