from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from chinhquyen.accounts.models import Representation, RoleAssignment, User
from chinhquyen.audit.admin import AuditedAdminMixin


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ("agency",)
    fields = ("role", "agency", "unit", "include_children", "granted_at")
    readonly_fields = ("granted_at",)


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    audit_fields = (
        "username",
        "full_name",
        "kind",
        "email",
        "phone",
        "agency_id",
        "unit_id",
        "position",
        "is_staff",
        "is_superuser",
        "is_active",
    )
    list_display = (
        "username",
        "full_name",
        "kind",
        "agency",
        "masked_phone",
        "is_active",
        "is_staff",
    )
    list_filter = ("kind", "is_active", "is_staff", "agency")
    search_fields = ("username", "full_name", "email", "phone")
    ordering = ("username",)
    autocomplete_fields = ("agency",)
    readonly_fields = (
        "masked_identity_number",
        "identity_verified",
        "oidc_sub",
        "registration_pending",
        "last_login",
        "date_joined",
    )
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            "Thông tin cá nhân",
            {
                "fields": (
                    "full_name",
                    "kind",
                    "email",
                    "phone",
                    "masked_identity_number",
                    "identity_verified",
                    "organization_name",
                    "tax_code",
                )
            },
        ),
        ("Cán bộ", {"fields": ("agency", "unit", "position")}),
        (
            "Quyền",
            {"fields": ("is_active", "registration_pending", "is_staff", "is_superuser", "groups")},
        ),
        ("Định danh điện tử", {"fields": ("oidc_sub",)}),
        ("Thời điểm", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "kind", "agency", "password1", "password2"),
            },
        ),
    )
    inlines = [RoleAssignmentInline]

    @admin.display(description="số định danh")
    def masked_identity_number(self, obj: User) -> str:
        return obj.masked_identity_number

    @admin.display(description="điện thoại")
    def masked_phone(self, obj: User) -> str:
        return obj.masked_phone

    def save_formset(self, request, form, formset, change) -> None:
        from django.db import transaction

        from chinhquyen.audit.services import record

        with transaction.atomic():
            instances = formset.save(commit=False)
            for obj in formset.deleted_objects:
                record(
                    "accounts.revoke_role",
                    obj=form.instance,
                    actor=request.user,
                    changes={"role": obj.role, "agency": obj.agency.code},
                )
                obj.delete()
            for obj in instances:
                obj.save()
                record(
                    "accounts.grant_role",
                    obj=form.instance,
                    actor=request.user,
                    changes={
                        "role": obj.role,
                        "agency": obj.agency.code,
                        "include_children": obj.include_children,
                    },
                )
            formset.save_m2m()


@admin.register(Representation)
class RepresentationAdmin(admin.ModelAdmin):
    """Read-only view for support staff; citizens manage their own list on the portal."""

    list_display = ("name", "kind", "account", "created_at")
    list_filter = ("kind",)
    search_fields = ("name", "account__username")
    fields = ("account", "kind", "name", "masked_identity_number", "tax_code", "relation")
    readonly_fields = fields

    @admin.display(description="số định danh")
    def masked_identity_number(self, obj: Representation) -> str:
        return obj.masked_identity_number

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
