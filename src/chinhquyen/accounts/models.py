"""People who use the platform: citizens and businesses, and officials with roles per agency."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from chinhquyen.lib import cccd, phone


def validate_identity_number(value: str) -> None:
    try:
        cccd.validate(value)
    except cccd.InvalidIdentityNumber as exc:
        raise ValidationError(str(exc), code="invalid_identity_number") from exc


def validate_phone(value: str) -> None:
    try:
        phone.normalize(value)
    except phone.InvalidPhoneNumber as exc:
        raise ValidationError(str(exc), code="invalid_phone") from exc


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **extra) -> User:
        if not username:
            raise ValueError("username is required")
        email = extra.pop("email", None)
        user = self.model(
            username=username, email=self.normalize_email(email) if email else None, **extra
        )
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("kind", User.Kind.OFFICIAL)
        return self.create_user(username, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """One account. Citizens log in with their phone number or e-mail; officials with a username."""

    class Kind(models.TextChoices):
        CITIZEN = "citizen", "Công dân"
        BUSINESS = "business", "Tổ chức, doanh nghiệp"
        OFFICIAL = "official", "Cán bộ, công chức"

    username = models.CharField("tên đăng nhập", max_length=150, unique=True)
    full_name = models.CharField("họ và tên", max_length=200)
    kind = models.CharField(
        "loại tài khoản", max_length=20, choices=Kind.choices, default=Kind.CITIZEN
    )
    email = models.EmailField("thư điện tử", unique=True, null=True, blank=True)
    phone = models.CharField(
        "số điện thoại",
        max_length=15,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_phone],
    )
    identity_number = models.CharField(
        "số định danh cá nhân",
        max_length=12,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_identity_number],
    )
    organization_name = models.CharField("tên tổ chức", max_length=255, blank=True)
    tax_code = models.CharField("mã số thuế/mã số doanh nghiệp", max_length=14, blank=True)
    agency = models.ForeignKey(
        "organizations.Agency",
        verbose_name="cơ quan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officials",
    )
    unit = models.ForeignKey(
        "organizations.Unit",
        verbose_name="đơn vị",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="officials",
    )
    position = models.CharField("chức vụ", max_length=200, blank=True)
    is_staff = models.BooleanField("vào trang quản trị", default=False)
    is_active = models.BooleanField("đang hoạt động", default=True)
    # A self-registered account stays inactive and pending until its phone/e-mail is verified.
    registration_pending = models.BooleanField("chờ xác minh đăng ký", default=False)
    # Subject of the national electronic identity (OIDC ``sub``) this account is linked to.
    oidc_sub = models.CharField(
        "mã tài khoản định danh điện tử", max_length=255, unique=True, null=True, blank=True
    )
    identity_verified = models.BooleanField(
        "số định danh đã xác thực qua định danh điện tử", default=False
    )
    date_joined = models.DateTimeField("ngày tạo", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = "tài khoản"
        verbose_name_plural = "tài khoản"

    def __str__(self) -> str:
        return self.full_name or self.username

    def clean(self) -> None:
        super().clean()
        if self.phone:
            self.phone = phone.normalize(self.phone)
        if self.email:
            self.email = self.email.strip().lower()
        if self.identity_number:
            self.identity_number = cccd.validate(self.identity_number)
        if (
            self.kind == self.Kind.OFFICIAL
            and self.unit_id
            and self.agency_id
            and self.unit.agency_id != self.agency_id
        ):
            raise ValidationError({"unit": "Đơn vị phải thuộc cơ quan của cán bộ."})

    @property
    def is_official(self) -> bool:
        return self.kind == self.Kind.OFFICIAL

    @property
    def masked_identity_number(self) -> str:
        return cccd.mask(self.identity_number or "")

    @property
    def masked_phone(self) -> str:
        return phone.mask(self.phone or "")

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split()[-1] if self.full_name else self.username


class Role(models.TextChoices):
    """Vai trò of an official; each assignment is scoped to an agency (and optionally its subtree)."""

    INTAKE_OFFICER = "intake_officer", "Cán bộ tiếp nhận (một cửa)"
    SPECIALIST = "specialist", "Chuyên viên xử lý"
    UNIT_HEAD = "unit_head", "Lãnh đạo phòng/đơn vị"
    AGENCY_LEADER = "agency_leader", "Lãnh đạo cơ quan"
    CLERK = "clerk", "Văn thư"
    PROVINCE_ADMIN = "province_admin", "Quản trị hệ thống cấp tỉnh"


class RoleAssignment(models.Model):
    """An official holds a role for an agency; ``include_children`` extends it to the agency's subtree."""

    user = models.ForeignKey(
        User, verbose_name="cán bộ", on_delete=models.CASCADE, related_name="roles"
    )
    role = models.CharField("vai trò", max_length=30, choices=Role.choices)
    agency = models.ForeignKey(
        "organizations.Agency",
        verbose_name="phạm vi cơ quan",
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    unit = models.ForeignKey(
        "organizations.Unit",
        verbose_name="phạm vi đơn vị",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    include_children = models.BooleanField("gồm cả cơ quan cấp dưới", default=False)
    granted_at = models.DateTimeField("ngày giao", default=timezone.now)

    class Meta:
        verbose_name = "vai trò được giao"
        verbose_name_plural = "vai trò được giao"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "agency", "unit"], name="role_assignment_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.agency}"


class VerificationCode(models.Model):
    """One 6-digit code sent to a phone or e-mail, stored only as a keyed hash.

    ``user`` is the account the code proves a contact for (a pending registration, or an account
    changing its phone/e-mail). It is empty when the contact already belongs to another account:
    the person sees the same pages and limits, but no code exists that could succeed.
    """

    class Purpose(models.TextChoices):
        REGISTER = "register", "Đăng ký tài khoản"
        CHANGE_CONTACT = "change_contact", "Đổi số điện thoại/thư điện tử"

    class Channel(models.TextChoices):
        SMS = "sms", "Tin nhắn SMS"
        EMAIL = "email", "Thư điện tử"

    user = models.ForeignKey(
        User,
        verbose_name="tài khoản",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="verification_codes",
    )
    purpose = models.CharField("mục đích", max_length=20, choices=Purpose.choices)
    channel = models.CharField("kênh gửi", max_length=10, choices=Channel.choices)
    destination = models.CharField("gửi tới", max_length=254, db_index=True)
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=128)
    attempts = models.PositiveSmallIntegerField("số lần nhập sai", default=0)
    created_at = models.DateTimeField("thời điểm gửi", default=timezone.now, db_index=True)
    expires_at = models.DateTimeField("hết hạn lúc")
    used_at = models.DateTimeField("đã dùng lúc", null=True, blank=True)
    superseded = models.BooleanField("đã thay bằng mã mới", default=False)

    class Meta:
        verbose_name = "mã xác minh"
        verbose_name_plural = "mã xác minh"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.get_channel_display()})"


class Representation(models.Model):
    """A person or organisation an account applies for (người được nộp hồ sơ thay)."""

    class Kind(models.TextChoices):
        PERSON = "person", "Cá nhân"
        ORGANISATION = "organisation", "Tổ chức, doanh nghiệp"

    account = models.ForeignKey(
        User, verbose_name="tài khoản", on_delete=models.CASCADE, related_name="representations"
    )
    kind = models.CharField("loại", max_length=20, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField("họ tên hoặc tên tổ chức", max_length=255)
    identity_number = models.CharField(
        "số định danh cá nhân",
        max_length=12,
        blank=True,
        validators=[validate_identity_number],
    )
    tax_code = models.CharField("mã số thuế/mã số doanh nghiệp", max_length=14, blank=True)
    relation = models.CharField("quan hệ/giấy ủy quyền", max_length=500, blank=True)
    phone = models.CharField("số điện thoại", max_length=15, blank=True)
    email = models.EmailField("thư điện tử", blank=True)
    address = models.CharField("địa chỉ", max_length=500, blank=True)
    created_at = models.DateTimeField("ngày thêm", default=timezone.now)
    updated_at = models.DateTimeField("ngày sửa", auto_now=True)

    class Meta:
        verbose_name = "người được nộp hồ sơ thay"
        verbose_name_plural = "người được nộp hồ sơ thay"
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_identity_number(self) -> str:
        return cccd.mask(self.identity_number or "")
