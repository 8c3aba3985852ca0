"""Demo data: a believable province (Nghệ An) with its real wards, departments, desks and people.

Agency identifier codes below follow the official shapes but are illustrative: the real codes
of a province come from its own registry and are loaded with ``chinhquyen organizations
import-agencies``. Every write goes through the domain services, so the demo leaves a complete
audit trail like real use does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

DEMO_PASSWORD = "chinhquyen-demo-2026"
# Base32 TOTP secret of the demo administrator (documented in docs/demo.md) so that anyone can
# add it to an authenticator app. Never use a known secret outside a demo.
DEMO_ADMIN_TOTP_HEX = (
    "3132333435363738393031323334353637383930"  # base32 GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
)

PROVINCE_CODE = "40"
PROVINCE_AGENCY_CODE = "000.00.00.H41"

DEPARTMENTS = [
    # code, name, short name, units
    (
        "000.00.01.H41",
        "Văn phòng UBND tỉnh Nghệ An",
        "VP UBND",
        [("HCC", "Phòng Hành chính - Tổ chức")],
    ),
    (
        "000.00.02.H41",
        "Sở Tư pháp tỉnh Nghệ An",
        "STP",
        [
            ("VP", "Văn phòng Sở"),
            ("HCTP", "Phòng Hành chính tư pháp"),
            ("BTTP", "Phòng Bổ trợ tư pháp"),
        ],
    ),
    (
        "000.00.03.H41",
        "Sở Nội vụ tỉnh Nghệ An",
        "SNV",
        [("VP", "Văn phòng Sở"), ("TCBM", "Phòng Tổ chức bộ máy")],
    ),
    (
        "000.00.04.H41",
        "Sở Tài chính tỉnh Nghệ An",
        "STC",
        [("VP", "Văn phòng Sở"), ("DKKD", "Phòng Đăng ký kinh doanh")],
    ),
    (
        "000.00.05.H41",
        "Sở Xây dựng tỉnh Nghệ An",
        "SXD",
        [("VP", "Văn phòng Sở"), ("QLXD", "Phòng Quản lý xây dựng")],
    ),
    (
        "000.00.06.H41",
        "Sở Nông nghiệp và Môi trường tỉnh Nghệ An",
        "SNNMT",
        [("VP", "Văn phòng Sở"), ("DD", "Phòng Đất đai")],
    ),
    ("000.00.07.H41", "Sở Công Thương tỉnh Nghệ An", "SCT", [("VP", "Văn phòng Sở")]),
    (
        "000.00.08.H41",
        "Sở Y tế tỉnh Nghệ An",
        "SYT",
        [("VP", "Văn phòng Sở"), ("NVY", "Phòng Nghiệp vụ Y")],
    ),
    ("000.00.09.H41", "Sở Giáo dục và Đào tạo tỉnh Nghệ An", "SGDĐT", [("VP", "Văn phòng Sở")]),
    (
        "000.00.10.H41",
        "Sở Văn hóa, Thể thao và Du lịch tỉnh Nghệ An",
        "SVHTTDL",
        [("VP", "Văn phòng Sở")],
    ),
    ("000.00.11.H41", "Sở Khoa học và Công nghệ tỉnh Nghệ An", "SKHCN", [("VP", "Văn phòng Sở")]),
    ("000.00.12.H41", "Sở Dân tộc và Tôn giáo tỉnh Nghệ An", "SDTTG", [("VP", "Văn phòng Sở")]),
]
SERVICE_CENTRE_CODE = "000.00.20.H41"
WARD_UNITS = [
    ("MC", "Bộ phận Một cửa", True),
    ("VHXH", "Phòng Văn hóa - Xã hội", False),
    ("KT", "Phòng Kinh tế", False),
]


@dataclass
class DemoPerson:
    username: str
    full_name: str
    agency: str
    unit: str | None
    position: str
    roles: list[str] = field(default_factory=list)
    include_children: bool = False


OFFICIALS = [
    DemoPerson(
        "quantri",
        "Hồ Văn Quản",
        PROVINCE_AGENCY_CODE,
        None,
        "Quản trị hệ thống",
        ["province_admin"],
    ),
    DemoPerson(
        "lanhdao.tinh",
        "Nguyễn Đức Trung",
        PROVINCE_AGENCY_CODE,
        None,
        "Phó Chủ tịch UBND tỉnh",
        ["agency_leader"],
        include_children=True,
    ),
    DemoPerson("vanthu.tinh", "Phan Thị Hoa", "000.00.01.H41", "HCC", "Văn thư", ["clerk"]),
    DemoPerson(
        "tiepnhan.ttpvhcc",
        "Lê Thị Mai",
        SERVICE_CENTRE_CODE,
        "MC",
        "Công chức tiếp nhận",
        ["intake_officer"],
    ),
    DemoPerson(
        "giamdoc.stp", "Trần Văn Minh", "000.00.02.H41", "VP", "Giám đốc Sở", ["agency_leader"]
    ),
    DemoPerson(
        "truongphong.stp", "Võ Thị Lan", "000.00.02.H41", "HCTP", "Trưởng phòng", ["unit_head"]
    ),
    DemoPerson(
        "chuyenvien.stp", "Nguyễn Thị Hằng", "000.00.02.H41", "HCTP", "Chuyên viên", ["specialist"]
    ),
    DemoPerson(
        "chuyenvien.sxd", "Đặng Quốc Huy", "000.00.05.H41", "QLXD", "Chuyên viên", ["specialist"]
    ),
    DemoPerson(
        "chutich.truongvinh",
        "Hoàng Văn Nam",
        "H41.16690",
        None,
        "Chủ tịch UBND phường",
        ["agency_leader"],
    ),
    DemoPerson(
        "tiepnhan.truongvinh",
        "Nguyễn Thị Thu",
        "H41.16690",
        "MC",
        "Công chức một cửa",
        ["intake_officer"],
    ),
    DemoPerson(
        "chuyenvien.truongvinh",
        "Phạm Văn Hải",
        "H41.16690",
        "VHXH",
        "Công chức tư pháp - hộ tịch",
        ["specialist", "unit_head"],
    ),
    DemoPerson("vanthu.truongvinh", "Lê Thị Ngọc", "H41.16690", "MC", "Văn thư", ["clerk"]),
]

CITIZENS = [
    # full name, phone, e-mail, identity number, kind, organisation
    ("Nguyễn Văn An", "0912345678", "an.nguyen@example.vn", "040090001234", "citizen", ""),
    ("Trần Thị Bình", "0987654321", "binh.tran@example.vn", "040195006789", "citizen", ""),
    ("Lê Hoàng Cường", "0356789012", None, "040201004321", "citizen", ""),
    (
        "Công ty TNHH Sen Vàng Nghệ An",
        "02383845678",
        "lienhe@senvang.example.vn",
        None,
        "business",
        "Công ty TNHH Sen Vàng Nghệ An",
    ),
]


def load_demo(*, stdout=None) -> dict[str, int]:
    """Create the demo province. Safe to run on a database that already has reference data."""
    from chinhquyen.accounts import services as accounts
    from chinhquyen.accounts.models import User
    from chinhquyen.core.context import request_context
    from chinhquyen.organizations import services as orgs
    from chinhquyen.organizations.models import AdministrativeUnit, Agency, Unit

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message)

    counts: dict[str, int] = {}
    with request_context(user=None, ip=None, source="demo"):
        report = orgs.load_administrative_units()
        say(f"Đơn vị hành chính: {report.created} mới, {report.updated} cập nhật.")
        legacy = orgs.load_legacy_mappings()
        say(
            f"Bảng chuyển đổi đơn vị hành chính cũ: {legacy.created} mới, {legacy.updated} cập nhật."
        )
        try:
            from chinhquyen.calendars.services import seed_national_calendar
        except ImportError:  # the calendar app may not be installed in a trimmed build
            seed_national_calendar = None
        if seed_national_calendar is not None:
            seed_national_calendar()
            say("Lịch làm việc quốc gia: đã nạp.")

        from chinhquyen.catalog.services import load_demo_catalog

        catalog = load_demo_catalog()
        say(f"Thủ tục hành chính: {catalog.created} mới, {catalog.updated} cập nhật.")

        province = AdministrativeUnit.objects.get(code=PROVINCE_CODE)
        with transaction.atomic():
            root = _agency(
                orgs,
                PROVINCE_AGENCY_CODE,
                "UBND tỉnh Nghệ An",
                "UBND tỉnh",
                "province_committee",
                None,
                province,
            )
            for code, name, short, units in DEPARTMENTS:
                agency = _agency(orgs, code, name, short, "department", root, province)
                for unit_code, unit_name in units:
                    _unit(orgs, Unit, agency, unit_code, unit_name, False)
            centre = _agency(
                orgs,
                SERVICE_CENTRE_CODE,
                "Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
                "TTPVHCC",
                "service_centre",
                root,
                province,
            )
            _unit(orgs, Unit, centre, "MC", "Bộ phận tiếp nhận và trả kết quả", True)
            if not centre.desks.exists():
                desk = orgs.create_desk(
                    actor=None,
                    agency=centre,
                    name="Trung tâm Phục vụ hành chính công tỉnh",
                    address="Số 16 Trường Thi, Phường Trường Vinh, Tỉnh Nghệ An",
                    opening_hours="Thứ Hai – Thứ Sáu: 7:30–11:30, 13:30–17:00",
                )
                departments = list(Agency.objects.filter(kind="department").order_by("code"))
                for number, agency in enumerate(departments, start=1):
                    orgs.create_counter(
                        actor=None,
                        desk=desk,
                        number=number,
                        label=f"Quầy {agency.short_name}",
                        serves=[agency],
                    )
            for ward in AdministrativeUnit.objects.filter(province=province).order_by("code"):
                committee = _agency(
                    orgs, f"H41.{ward.code}", f"UBND {ward.name}", "", "ward_committee", root, ward
                )
                if ward.code == "16690":
                    for unit_code, unit_name, one_stop in WARD_UNITS:
                        _unit(orgs, Unit, committee, unit_code, unit_name, one_stop)
                    if not committee.desks.exists():
                        orgs.create_desk(
                            actor=None,
                            agency=committee,
                            name=f"Bộ phận Một cửa {ward.name}",
                            opening_hours="Thứ Hai – Thứ Sáu: 7:30–11:30, 13:30–17:00",
                        )
        counts["agencies"] = Agency.objects.count()
        from chinhquyen.catalog.services import link_demo_agencies

        say(f"Cơ quan giải quyết thủ tục: {link_demo_agencies()} liên kết mới.")

        created = 0
        for person in OFFICIALS:
            if User.objects.filter(username=person.username).exists():
                continue
            agency = Agency.objects.get(code=person.agency)
            unit = Unit.objects.get(agency=agency, code=person.unit) if person.unit else None
            with transaction.atomic():
                user = accounts.create_official(
                    actor=None,
                    username=person.username,
                    full_name=person.full_name,
                    agency=agency,
                    unit=unit,
                    password=DEMO_PASSWORD,
                    position=person.position,
                    email=f"{person.username}@demo.chinhquyen.invalid",
                )
                for role in person.roles:
                    accounts.grant_role(
                        actor=None,
                        user=user,
                        role=role,
                        agency=agency,
                        include_children=person.include_children,
                    )
            created += 1
        admin = User.objects.get(username="quantri")
        if not admin.is_staff:
            with transaction.atomic():
                accounts.make_administrator(actor=None, user=admin)
        _demo_totp(admin)
        for full_name, phone, email, identity, kind, org in CITIZENS:
            if User.objects.filter(phone=phone).exists():
                continue
            accounts.register_citizen(
                full_name=full_name,
                password=DEMO_PASSWORD,
                phone_number=phone,
                email=email,
                identity_number=identity,
                kind=kind,
                organization_name=org,
            )
            created += 1
        counts["people"] = created
        from chinhquyen.accounts.demo import load_demo_accounts_extra

        say(f"Người được nộp hồ sơ thay: {load_demo_accounts_extra()} mới.")

        from chinhquyen.dossiers.demo import load_demo_dossiers

        dossiers = load_demo_dossiers()
        counts["dossiers"] = dossiers["created"]
        say(f"Hồ sơ mẫu: {dossiers['created']} mới.")
        from chinhquyen.dossiers.demo_drafts import load_demo_drafts

        load_demo_drafts()
        from chinhquyen.dossiers.demo_ratings import load_demo_ratings

        load_demo_ratings()
    return counts


def _agency(orgs, code, name, short, kind, parent, admin_unit):
    from chinhquyen.organizations.models import Agency

    existing = Agency.objects.filter(code=code).first()
    if existing is not None:
        return existing
    return orgs.create_agency(
        actor=None,
        code=code,
        name=name,
        short_name=short,
        kind=kind,
        parent=parent,
        admin_unit=admin_unit,
    )


def _unit(orgs, Unit, agency, code, name, one_stop):
    existing = Unit.objects.filter(agency=agency, code=code).first()
    if existing is not None:
        return existing
    return orgs.create_unit(actor=None, agency=agency, code=code, name=name, is_one_stop=one_stop)


def _demo_totp(user) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not TOTPDevice.objects.filter(user=user).exists():
        TOTPDevice.objects.create(
            user=user, name="Ứng dụng xác thực (mẫu)", key=DEMO_ADMIN_TOTP_HEX, confirmed=True
        )
