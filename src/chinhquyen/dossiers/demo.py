"""Believable dossiers for the demo province (Nghệ An), made through the dossier services only.

Run after the demo province is loaded::

    from chinhquyen.core.demo import load_demo
    from chinhquyen.dossiers.demo import load_demo_dossiers

    load_demo()
    load_demo_dossiers()      # {"created": 25, "skipped": 0, "statuses": {...}}

25 dossiers of the last four weeks (working days of the real calendar, counted back from the last
working day before today): birth, marriage and death registrations and certified copies at the
one-stop desk of UBND phường Trường Vinh, criminal record certificates (Phiếu lý lịch tư pháp)
at the Department of Justice, received by the intake officer of the provincial public
administration service centre. Some are just received, some in processing at different steps,
one waits for a supplement, one is late with an apology and a new date, most are returned
(early, on time, one late), one was refused at reception, one withdrawn.

How the times are made: every action runs under :func:`chinhquyen.dossiers.clock.travel` at a
chosen moment (office hours of a past working day), so received_at, due dates, step deadlines and
the control sheet's early/on time/late marks are those the engine computes for that moment. The
audit records and the outbox events keep their real write time (when the loader ran). Names,
addresses, phone and identity numbers come from a seeded generator (:data:`SEED`), so two runs
on the same day produce the same people.

Idempotent: every demo dossier carries the idempotency key ``demo-dossier-NN``; a scenario whose
key exists is skipped, and each scenario runs in one transaction (all of it or nothing).

Setup it needs, done through the owning apps' services (audited) and only when missing:

* an internal process (quy trình nội bộ) of the ward for the four civil-status and certification
  procedures and of the Department of Justice for the criminal record certificate
  (``catalog.services.set_process``, agency-specific): the demo catalog gives processes only to
  procedures whose time is in working days, and these have "1" without a unit or calendar days;
* the intake role at the Department of Justice for the service centre's intake officer
  (``tiepnhan.ttpvhcc``): the centre's desk receives the department's dossiers on its behalf.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction

from chinhquyen.accounts.models import Role, User
from chinhquyen.catalog.models import Procedure, ProcessStep
from chinhquyen.dossiers import clock, services, timing
from chinhquyen.dossiers.models import Dossier, Status
from chinhquyen.organizations.models import Agency, Desk

SEED = 2026
KEY_PREFIX = "demo-dossier-"
TZ = timing.TZ

WARD = "H41.16690"  # UBND phường Trường Vinh
JUSTICE = "000.00.02.H41"  # Sở Tư pháp tỉnh Nghệ An

BIRTH = "1.001193"  # Thủ tục đăng ký khai sinh
MARRIAGE = "1.000894"  # Thủ tục đăng ký kết hôn
DEATH = "1.000656"  # Thủ tục đăng ký khai tử
COPY = "2.000815"  # Chứng thực bản sao từ bản chính giấy tờ, văn bản
RECORD = "3.000333"  # Cấp Phiếu Lý lịch tư pháp cho công dân Việt Nam, …

_CIVIL = "Công chức Tư pháp - Hộ tịch"
_WARD_LEAD = "Lãnh đạo UBND phường"


def _step(name: str, role: str, unit: str, hours: int) -> dict[str, Any]:
    return {
        "name": name,
        "responsible_role": role,
        "responsible_unit": unit,
        "allowance_hours": Decimal(hours),
    }


# The agencies' own internal processes (allowances in working hours). The birth and death
# registrations are done within the working day (Law on Civil Status, Art. 16 and 34: at once,
# the next working day when received after 15:00); marriage at once, up to 5 working days when
# the conditions must be verified; certified copies the same day.
PROCESSES: dict[tuple[str, str], list[dict[str, Any]]] = {
    (BIRTH, WARD): [
        _step(
            "Kiểm tra hồ sơ, cập nhật Sổ đăng ký khai sinh, trình ký", Role.SPECIALIST, _CIVIL, 6
        ),
        _step("Chủ tịch UBND phường ký Giấy khai sinh", Role.AGENCY_LEADER, _WARD_LEAD, 2),
    ],
    (DEATH, WARD): [
        _step("Kiểm tra hồ sơ, cập nhật Sổ đăng ký khai tử, trình ký", Role.SPECIALIST, _CIVIL, 6),
        _step("Chủ tịch UBND phường ký Trích lục khai tử", Role.AGENCY_LEADER, _WARD_LEAD, 2),
    ],
    (MARRIAGE, WARD): [
        _step("Kiểm tra, xác minh điều kiện kết hôn, trình ký", Role.SPECIALIST, _CIVIL, 32),
        _step("Chủ tịch UBND phường ký Giấy chứng nhận kết hôn", Role.AGENCY_LEADER, _WARD_LEAD, 8),
    ],
    (COPY, WARD): [
        _step("Đối chiếu bản sao với bản chính, ghi lời chứng", Role.SPECIALIST, _CIVIL, 2),
        _step("Lãnh đạo UBND phường ký chứng thực", Role.AGENCY_LEADER, _WARD_LEAD, 2),
    ],
    (RECORD, JUSTICE): [
        _step(
            "Tra cứu, xác minh thông tin lý lịch tư pháp, dự thảo Phiếu",
            Role.SPECIALIST,
            "Phòng Hành chính tư pháp",
            40,
        ),
        _step("Trưởng phòng kiểm tra, trình ký", Role.UNIT_HEAD, "Phòng Hành chính tư pháp", 8),
        _step("Giám đốc Sở ký Phiếu lý lịch tư pháp", Role.AGENCY_LEADER, "Ban Giám đốc Sở", 8),
    ],
}
# Which case (nhóm giấy tờ) of the catalog each registration is made under. The civil status
# records have no alternative cases ("Giấy tờ phải nộp/xuất trình" are sections, not groups).
PAPER_GROUPS: dict[str, str] = {}
RESULTS = {
    BIRTH: "Giấy khai sinh (bản chính)",
    DEATH: "Trích lục khai tử (bản chính)",
    MARRIAGE: "Giấy chứng nhận kết hôn",
    COPY: "Bản sao có chứng thực",
    RECORD: "Phiếu lý lịch tư pháp số 1",
}
OFFICIALS = {
    "ward_intake": "tiepnhan.truongvinh",
    "ward_specialist": "chuyenvien.truongvinh",
    "ward_leader": "chutich.truongvinh",
    "ward_clerk": "vanthu.truongvinh",
    "centre_intake": "tiepnhan.ttpvhcc",
    "stp_specialist": "chuyenvien.stp",
    "stp_head": "truongphong.stp",
    "stp_leader": "giamdoc.stp",
}
CITIZENS = {"an": "0912345678", "binh": "0987654321", "cuong": "0356789012"}
CITIZEN_ADDRESSES = {
    "an": "Số 25 đường Nguyễn Du, phường Trường Vinh, tỉnh Nghệ An",
    "binh": "Số 8 ngõ 12 đường Lê Hồng Phong, phường Trường Vinh, tỉnh Nghệ An",
    "cuong": "Khối 4, phường Trường Vinh, tỉnh Nghệ An",
}
COMPANY = {
    "kind": "organisation",
    "name": "Công ty TNHH Sen Vàng Nghệ An",
    "tax_code": "2901234567",
    "representative": "Hồ Thị Lan (nhân viên được ủy quyền)",
    "phone": "02383845678",
    "email": "lienhe@senvang.example.vn",
    "address": "Số 120 đường Nguyễn Văn Cừ, phường Trường Vinh, tỉnh Nghệ An",
}

_SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Võ", "Đặng", "Hồ", "Thái", "Đinh"]
_MIDDLE = {"m": ["Văn", "Đức", "Quang", "Minh", "Hữu", "Xuân"], "f": ["Thị", "Thu", "Ngọc"]}
_GIVEN = {
    "m": ["Hùng", "Dũng", "Tuấn", "Long", "Sơn", "Hải", "Trung", "Quân", "Thắng", "Phúc"],
    "f": ["Hoa", "Lan", "Hương", "Mai", "Trang", "Linh", "Nga", "Yến", "Hà", "Thảo"],
}
_CHILD = {
    "m": ["Minh Khôi", "Gia Bảo", "Đức Anh", "Hoàng Nam", "Bảo Long"],
    "f": ["Ngọc Diệp", "Khánh An", "Bảo Ngọc", "Minh Thư", "Hà My"],
}
_STREETS = [
    "Lê Lợi", "Quang Trung", "Trường Thi", "Nguyễn Thị Minh Khai", "Phan Đình Phùng",
    "Hồ Tùng Mậu", "Lê Hồng Phong", "Đinh Công Tráng", "Nguyễn Sỹ Sách", "Hà Huy Tập",
]  # fmt: skip
_MOBILE = ["091", "094", "097", "098", "086", "096", "035", "036", "038", "039", "077", "083"]


# --- small pieces --------------------------------------------------------------------------------


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in folded if ord(c) < 128)


def scan_pdf(*lines: str) -> bytes:
    """A small valid one-page PDF (a stand-in for a scanned paper or an e-result)."""
    body = ["BT /F1 12 Tf 56 780 Td 16 TL"]
    for line in lines:
        text = _ascii(line)[:90].replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        body.append(f"({text}) Tj T*")
    body.append("ET")
    stream = "\n".join(body).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


@dataclass
class Person:
    name: str
    sex: str
    phone: str
    identity_number: str
    address: str

    def applicant(self) -> dict[str, str]:
        return {
            "name": self.name,
            "identity_number": self.identity_number,
            "phone": self.phone,
            "address": self.address,
        }


@dataclass
class Demo:
    """What the scenarios share: people, places, the calendar, and a seeded generator."""

    rng: random.Random
    days: list[date]  # past working days, most recent first: days[0] is before today
    agencies: dict[str, Agency]
    procedures: dict[str, Procedure]
    people: dict[str, User]
    citizens: dict[str, User]
    ward_desk: Desk | None
    opening: dict[date, time] = field(default_factory=dict)
    results: int = 0

    # --- time ---

    def at(self, k: int, hhmm: str) -> datetime:
        """``hhmm`` on the ``k``-th past working day (0: the last working day before today)."""
        hour, minute = (int(x) for x in hhmm.split(":"))
        return datetime.combine(self.days[k], time(hour, minute), tzinfo=TZ)

    def on_due_day(self, d: Dossier, after: datetime) -> datetime:
        """A moment on the dossier's due day, before the due moment and after ``after``."""
        due = d.due_at.astimezone(TZ)
        opening = self.opening.get(due.date()) or time(7, 30)
        moment = datetime.combine(due.date(), opening, tzinfo=TZ) + timedelta(minutes=10)
        # A deadline at the opening (10 calendar days ending on a day off) is met at the opening.
        return max(min(moment, due), after + timedelta(minutes=5))

    # --- people ---

    def person(self, sex: str | None = None, *, born: tuple[int, int] = (1975, 2000)) -> Person:
        rng = self.rng
        sex = sex or rng.choice("mf")
        name = " ".join([rng.choice(_SURNAMES), rng.choice(_MIDDLE[sex]), rng.choice(_GIVEN[sex])])
        year = rng.randint(*born)
        century = 0 if year < 2000 else 2
        identity = f"040{century + (sex == 'f')}{year % 100:02d}{rng.randint(0, 999999):06d}"
        phone = rng.choice(_MOBILE) + f"{rng.randint(0, 9999999):07d}"
        if rng.random() < 0.7:
            address = (
                f"Số {rng.randint(2, 180)} đường {rng.choice(_STREETS)}, "
                "phường Trường Vinh, tỉnh Nghệ An"
            )
        else:
            address = f"Khối {rng.randint(1, 14)}, phường Trường Vinh, tỉnh Nghệ An"
        return Person(name, sex, phone, identity, address)

    def child(self, parent: Person) -> str:
        return f"{parent.name.split()[0]} {self.rng.choice(_CHILD[self.rng.choice('mf')])}"

    # --- papers and results ---

    def papers(self, code: str) -> list[tuple]:
        """A scan for every paper the registration needs: the common ones and its case's."""
        procedure = self.procedures[code]
        group = PAPER_GROUPS.get(code, "")
        rows = (
            procedure.papers.filter(group__in={"", group}).exclude(kind="note").order_by("position")
        )
        return [
            (p, scan_pdf("Ban chup giay to (du lieu minh hoa)", p.name[:80]), f"giay-to-{i}.pdf")
            for i, p in enumerate(rows, start=1)
        ]

    def result(self, code: str, d: Dossier) -> dict[str, Any]:
        self.results += 1
        name = RESULTS[code]
        return {
            "file": scan_pdf(name, f"Ho so {d.code}", "Ban dien tu (du lieu minh hoa)"),
            "name": name,
            "number": f"{100 + self.results}/{d.received_at.astimezone(TZ).year}",
            "file_name": "ket-qua.pdf",
        }

    # --- acting ---

    def act(self, when: datetime, action: Callable[..., Dossier], d: Dossier, actor, **kwargs):
        with clock.travel(when):
            return action(actor=actor, dossier=d, expected_version=d.version, **kwargs)

    def register(self, when, code: str, applicant: dict, key: str, agency: str = WARD, **kw):
        intake = self.people["ward_intake" if agency == WARD else "centre_intake"]
        with clock.travel(when):
            return services.register_at_desk(
                actor=intake,
                procedure=self.procedures[code],
                agency=self.agencies[agency],
                applicant=applicant,
                desk=self.ward_desk if agency == WARD else None,
                papers=self.papers(code),
                paper_group=PAPER_GROUPS.get(code, ""),
                idempotency_key=key,
                **kw,
            )

    def submit(self, when, code: str, citizen: str, key: str, agency: str = WARD, **kw):
        account = self.citizens[citizen]
        applicant = {
            "name": account.full_name,
            "identity_number": account.identity_number or "",
            "phone": account.phone or "",
            "email": account.email or "",
            "address": CITIZEN_ADDRESSES[citizen],
        }
        with clock.travel(when):
            return services.submit_online(
                actor=account,
                procedure=self.procedures[code],
                agency=self.agencies[agency],
                applicant=applicant,
                papers=self.papers(code),
                paper_group=PAPER_GROUPS.get(code, ""),
                idempotency_key=key,
                **kw,
            )

    # --- whole stretches of a life ---

    def receive(self, when, d: Dossier) -> Dossier:
        intake = self.people["ward_intake" if d.agency.code == WARD else "centre_intake"]
        return self.act(when, services.receive, d, intake)

    def forward(self, when, d: Dossier) -> Dossier:
        """The ward's desk hands its dossiers straight to the civil-status officer; the
        department's go to its unit, whose head assigns them."""
        if d.agency.code == WARD:
            return self.act(
                when,
                services.forward,
                d,
                self.people["ward_intake"],
                assignee=self.people["ward_specialist"],
            )
        d = self.act(when, services.forward, d, self.people["centre_intake"])
        return self.act(
            when + timedelta(minutes=40),
            services.assign,
            d,
            self.people["stp_head"],
            assignee=self.people["stp_specialist"],
        )

    def check(self, when, d: Dossier, opinion: str = "") -> Dossier:
        """The specialist's step done; the next step goes to its official."""
        if d.agency.code == WARD:
            return self.act(
                when,
                services.complete_step,
                d,
                self.people["ward_specialist"],
                opinion=opinion or "Hồ sơ đầy đủ, hợp lệ; đã cập nhật sổ, trình Chủ tịch ký.",
                next_assignee=self.people["ward_leader"],
            )
        return self.act(
            when,
            services.complete_step,
            d,
            self.people["stp_specialist"],
            opinion=opinion or "Đã tra cứu, xác minh; không có án tích. Dự thảo Phiếu, trình ký.",
            next_assignee=self.people["stp_head"],
        )

    def review(self, when, d: Dossier) -> Dossier:
        """The department's unit head (step 2)."""
        return self.act(
            when,
            services.complete_step,
            d,
            self.people["stp_head"],
            opinion="Đã kiểm tra, trình Giám đốc Sở ký.",
            next_assignee=self.people["stp_leader"],
        )

    def sign(self, when, d: Dossier) -> Dossier:
        leader = self.people["ward_leader" if d.agency.code == WARD else "stp_leader"]
        return self.act(when, services.approve, d, leader, opinion="Đồng ý.")

    def issue(self, when, d: Dossier, code: str) -> Dossier:
        clerk = self.people["ward_clerk" if d.agency.code == WARD else "centre_intake"]
        return self.act(when, services.issue_result, d, clerk, **self.result(code, d))

    def hand_back(self, when, d: Dossier, *, via: str = "desk", to: str = "") -> Dossier:
        intake = self.people["ward_intake" if d.agency.code == WARD else "centre_intake"]
        extra: dict[str, str] = {}
        if via == "desk":
            extra["collected_by"] = to or d.applicant_name
        elif via == "post":
            extra["tracking_number"] = f"EB{self.rng.randint(10**8, 10**9 - 1)}VN"
        return self.act(when, services.return_result, d, intake, via=via, **extra)


# --- the scenarios ---------------------------------------------------------------------------------


def _birth(demo: Demo, key: str, when: datetime) -> Dossier:
    parent = demo.person(born=(1988, 2001))
    child = demo.child(parent)
    return demo.register(
        when,
        BIRTH,
        parent.applicant(),
        key,
        subject=f"Đăng ký khai sinh cho cháu {child}",
        form_data={"ten_tre": child, "noi_sinh": "Bệnh viện Sản Nhi Nghệ An"},
    )


def _marriage(demo: Demo, key: str, when: datetime) -> tuple[Dossier, str]:
    groom, bride = demo.person("m", born=(1990, 2001)), demo.person("f", born=(1992, 2003))
    d = demo.register(
        when,
        MARRIAGE,
        groom.applicant(),
        key,
        subject=f"Đăng ký kết hôn giữa anh {groom.name} và chị {bride.name}",
        form_data={"ben_nam": groom.name, "ben_nu": bride.name},
    )
    return d, f"Anh {groom.name} và chị {bride.name}"


def _copy(demo: Demo, key: str, when: datetime, applicant: dict | None = None) -> Dossier:
    person = applicant or demo.person().applicant()
    return demo.register(
        when,
        COPY,
        person,
        key,
        subject="Chứng thực bản sao từ bản chính (Giấy chứng nhận quyền sử dụng đất, Bằng tốt "
        "nghiệp)",
    )


def _record(demo: Demo, key: str, when: datetime) -> Dossier:
    return demo.register(
        when,
        RECORD,
        demo.person().applicant(),
        key,
        agency=JUSTICE,
        subject="Cấp Phiếu lý lịch tư pháp số 1",
    )


def _ward_done(demo: Demo, d: Dossier, code: str, k: int, times: tuple[str, ...], **back):
    """Receive, forward, check, sign, issue and hand back on day ``k`` at ``times``."""
    receive, forward, check, sign, issue, hand_back = (demo.at(k, t) for t in times)
    d = demo.receive(receive, d)
    d = demo.forward(forward, d)
    d = demo.check(check, d)
    d = demo.sign(sign, d)
    d = demo.issue(issue, d, code)
    return demo.hand_back(hand_back, d, **back)


def s01_birth_returned_early(demo: Demo, key: str) -> Dossier:
    d = _birth(demo, key, demo.at(18, "08:05"))
    times = ("08:12", "08:30", "10:15", "14:10", "15:00", "16:20")
    return _ward_done(demo, d, BIRTH, 18, times)


def s02_birth_returned_on_time(demo: Demo, key: str) -> Dossier:
    d = _birth(demo, key, demo.at(15, "14:20"))
    d = demo.receive(demo.at(15, "14:26"), d)
    d = demo.forward(demo.at(15, "14:40"), d)
    d = demo.check(demo.at(15, "16:35"), d)
    d = demo.sign(demo.at(14, "08:05"), d)
    d = demo.issue(demo.at(14, "08:20"), d, BIRTH)
    return demo.hand_back(demo.on_due_day(d, demo.at(14, "08:20")), d)


def s03_birth_online_returned_online(demo: Demo, key: str) -> Dossier:
    child = "Nguyễn Ngọc Diệp"
    d = demo.submit(
        demo.at(13, "21:40"),
        BIRTH,
        "an",
        key,
        result_delivery="online",
        subject=f"Đăng ký khai sinh cho cháu {child}",
        form_data={"ten_tre": child, "noi_sinh": "Bệnh viện Hữu nghị Đa khoa Nghệ An"},
    )
    d = demo.receive(demo.at(12, "07:50"), d)
    d = demo.forward(demo.at(12, "08:05"), d)
    d = demo.check(demo.at(12, "09:40"), d)
    d = demo.sign(demo.at(12, "10:30"), d)
    d = demo.issue(demo.at(12, "14:00"), d, BIRTH)
    return demo.hand_back(demo.at(12, "14:05"), d, via="online")


def s04_copy_same_day(demo: Demo, key: str) -> Dossier:
    d = _copy(demo, key, demo.at(11, "08:00"))
    return _ward_done(demo, d, COPY, 11, ("08:03", "08:10", "08:50", "09:30", "09:45", "10:05"))


def s05_copy_for_a_company(demo: Demo, key: str) -> Dossier:
    d = _copy(demo, key, demo.at(7, "09:10"), applicant=COMPANY)
    times = ("09:14", "09:20", "10:00", "10:40", "10:55", "11:10")
    return _ward_done(demo, d, COPY, 7, times, to="Hồ Thị Lan")


def s06_copy_returned_early(demo: Demo, key: str) -> Dossier:
    d = _copy(demo, key, demo.at(3, "14:05"))
    return _ward_done(demo, d, COPY, 3, ("14:08", "14:15", "15:05", "15:40", "16:00", "16:30"))


def s07_marriage_returned_early(demo: Demo, key: str) -> Dossier:
    d, couple = _marriage(demo, key, demo.at(14, "09:00"))
    d = demo.receive(demo.at(14, "09:10"), d)
    d = demo.forward(demo.at(14, "09:30"), d)
    d = demo.check(demo.at(13, "15:20"), d, "Đã tra cứu tình trạng hôn nhân của hai bên; đủ "
                   "điều kiện kết hôn. Trình Chủ tịch ký.")  # fmt: skip
    d = demo.sign(demo.at(12, "08:30"), d)
    d = demo.issue(demo.at(12, "09:00"), d, MARRIAGE)
    return demo.hand_back(demo.at(11, "09:30"), d, to=couple)


def s08_marriage_returned_on_time(demo: Demo, key: str) -> Dossier:
    d, couple = _marriage(demo, key, demo.at(10, "14:00"))
    d = demo.receive(demo.at(10, "14:10"), d)
    d = demo.forward(demo.at(10, "14:30"), d)
    d = demo.check(demo.at(7, "10:00"), d, "Đã xác minh tình trạng hôn nhân của bên nam tại "
                   "nơi thường trú trước đây; đủ điều kiện.")  # fmt: skip
    d = demo.sign(demo.at(6, "09:30"), d)
    issued = demo.at(6, "10:00")
    d = demo.issue(issued, d, MARRIAGE)
    return demo.hand_back(demo.on_due_day(d, issued), d, to=couple)


def s09_birth_refused_at_reception(demo: Demo, key: str) -> Dossier:
    person = demo.person("m", born=(1965, 1980))
    with clock.travel(demo.at(8, "10:15")):
        d = services.register_at_desk(
            actor=demo.people["ward_intake"],
            procedure=demo.procedures[BIRTH],
            agency=demo.agencies[WARD],
            applicant=person.applicant(),
            desk=demo.ward_desk,
            subject="Đăng ký khai sinh cho cháu (người đi đăng ký là hàng xóm)",
            idempotency_key=key,
        )
    return demo.act(
        demo.at(8, "10:25"),
        services.refuse_reception,
        d,
        demo.people["ward_intake"],
        reasons=[
            "Người đi đăng ký khai sinh không phải cha, mẹ, ông, bà hoặc người thân thích của "
            "trẻ và không có văn bản ủy quyền được chứng thực.",
            "Không có Giấy chứng sinh hoặc văn bản của người làm chứng xác nhận về việc sinh.",
        ],
    )


def s10_marriage_withdrawn(demo: Demo, key: str) -> Dossier:
    d = demo.submit(
        demo.at(7, "20:15"),
        MARRIAGE,
        "cuong",
        key,
        subject="Đăng ký kết hôn giữa anh Lê Hoàng Cường và chị Phạm Thị Thu Hà",
        form_data={"ben_nam": "Lê Hoàng Cường", "ben_nu": "Phạm Thị Thu Hà"},
    )
    d = demo.receive(demo.at(6, "08:00"), d)
    d = demo.forward(demo.at(6, "08:20"), d)
    return demo.act(
        demo.at(5, "19:30"),
        services.withdraw,
        d,
        demo.citizens["cuong"],
        reason="Hai bên thống nhất lùi thời gian đăng ký kết hôn; sẽ nộp lại hồ sơ sau.",
    )


def s11_marriage_awaiting_supplement(demo: Demo, key: str) -> Dossier:
    d = demo.submit(
        demo.at(3, "20:30"),
        MARRIAGE,
        "binh",
        key,
        subject="Đăng ký kết hôn giữa anh Đặng Quốc Việt và chị Trần Thị Bình",
        form_data={"ben_nam": "Đặng Quốc Việt", "ben_nu": "Trần Thị Bình"},
    )
    d = demo.receive(demo.at(2, "08:00"), d)
    d = demo.forward(demo.at(2, "08:15"), d)
    declaration = (
        demo.procedures[MARRIAGE].papers.filter(name__icontains="Tờ khai đăng ký kết hôn").first()
    )
    items = [
        {
            "name": "Giấy xác nhận tình trạng hôn nhân của bên nam",
            "reason": "Bên nam thường trú tại tỉnh Hà Tĩnh đến năm 2024; cơ sở dữ liệu hộ tịch "
            "điện tử chưa có thông tin về tình trạng hôn nhân trong thời gian đó.",
        }
    ]
    if declaration is not None:
        items.insert(
            0,
            {
                "paper": declaration.pk,
                "reason": "Tờ khai đã tải lên chưa có chữ ký của bên nam.",
            },
        )
    return demo.act(
        demo.at(1, "10:00"),
        services.request_supplement,
        d,
        demo.people["ward_specialist"],
        items=items,
        note="Ông/Bà tải bổ sung trên Cổng Dịch vụ công hoặc nộp trực tiếp tại Bộ phận Một cửa.",
    )


def s12_birth_just_received(demo: Demo, key: str) -> Dossier:
    d = _birth(demo, key, demo.at(0, "15:30"))
    return demo.receive(demo.at(0, "15:35"), d)


def s13_copy_just_received(demo: Demo, key: str) -> Dossier:
    d = _copy(demo, key, demo.at(0, "16:40"))
    return demo.receive(demo.at(0, "16:42"), d)


def s14_marriage_at_the_specialist(demo: Demo, key: str) -> Dossier:
    d, _ = _marriage(demo, key, demo.at(1, "09:30"))
    d = demo.receive(demo.at(1, "09:40"), d)
    return demo.forward(demo.at(1, "10:00"), d)


def s15_marriage_waiting_for_signature(demo: Demo, key: str) -> Dossier:
    d, _ = _marriage(demo, key, demo.at(3, "08:40"))
    d = demo.receive(demo.at(3, "08:50"), d)
    d = demo.forward(demo.at(3, "09:10"), d)
    return demo.check(demo.at(0, "14:30"), d, "Đủ điều kiện kết hôn; trình Chủ tịch ký.")


def s16_birth_result_ready(demo: Demo, key: str) -> Dossier:
    d = _birth(demo, key, demo.at(0, "08:20"))
    d = demo.receive(demo.at(0, "08:25"), d)
    d = demo.forward(demo.at(0, "08:40"), d)
    d = demo.check(demo.at(0, "10:00"), d)
    d = demo.sign(demo.at(0, "11:00"), d)
    return demo.issue(demo.at(0, "14:00"), d, BIRTH)


def s17_death_at_the_specialist(demo: Demo, key: str) -> Dossier:
    relative = demo.person(born=(1960, 1985))
    deceased = f"{relative.name.split()[0]} {demo.rng.choice(['Văn', 'Thị'])} Lộc"
    d = demo.register(
        demo.at(0, "15:20"),
        DEATH,
        relative.applicant(),
        key,
        subject=f"Đăng ký khai tử cho ông/bà {deceased}",
        form_data={"nguoi_chet": deceased},
    )
    d = demo.receive(demo.at(0, "15:25"), d)
    return demo.forward(demo.at(0, "15:40"), d)


def s18_marriage_submitted_again(demo: Demo, key: str) -> Dossier:
    return demo.submit(
        demo.at(0, "21:15"),
        MARRIAGE,
        "cuong",
        key,
        subject="Đăng ký kết hôn giữa anh Lê Hoàng Cường và chị Phạm Thị Thu Hà",
        form_data={"ben_nam": "Lê Hoàng Cường", "ben_nu": "Phạm Thị Thu Hà"},
    )


def s19_record_online_returned_early(demo: Demo, key: str) -> Dossier:
    d = demo.submit(
        demo.at(19, "07:10"),
        RECORD,
        "an",
        key,
        agency=JUSTICE,
        result_delivery="post",
        subject="Cấp Phiếu lý lịch tư pháp số 1 (bổ sung hồ sơ xin việc)",
    )
    d = demo.receive(demo.at(19, "08:30"), d)
    d = demo.forward(demo.at(19, "09:00"), d)
    d = demo.check(demo.at(16, "10:30"), d)
    d = demo.review(demo.at(15, "09:00"), d)
    d = demo.sign(demo.at(15, "15:00"), d)
    d = demo.issue(demo.at(14, "08:30"), d, RECORD)
    return demo.hand_back(demo.at(14, "09:00"), d, via="post")


def s20_record_returned_on_time(demo: Demo, key: str) -> Dossier:
    d = _record(demo, key, demo.at(17, "10:00"))
    d = demo.receive(demo.at(17, "10:05"), d)
    d = demo.forward(demo.at(17, "10:30"), d)
    d = demo.check(demo.at(13, "15:00"), d)
    d = demo.review(demo.at(12, "10:00"), d)
    d = demo.sign(demo.at(11, "09:30"), d)
    issued = demo.at(10, "14:00")
    d = demo.issue(issued, d, RECORD)
    return demo.hand_back(demo.on_due_day(d, issued), d)


def s21_record_returned_late(demo: Demo, key: str) -> Dossier:
    d = _record(demo, key, demo.at(16, "14:30"))
    d = demo.receive(demo.at(16, "14:35"), d)
    d = demo.forward(demo.at(16, "15:00"), d)
    d = demo.check(
        demo.at(6, "09:00"),
        d,
        "Công an tỉnh trả lời kết quả tra cứu án tích chậm; đã xác minh xong, không có án tích.",
    )
    d = demo.review(demo.at(5, "08:30"), d)
    d = demo.sign(demo.at(5, "15:30"), d)
    d = demo.issue(demo.at(4, "08:30"), d, RECORD)
    return demo.hand_back(demo.at(4, "14:15"), d)


def s22_record_late_with_apology(demo: Demo, key: str) -> Dossier:
    """Processing is slow (the police have not answered); one working day or more before the
    deadline the department apologises and sets its one new date (Mẫu 04)."""
    d = _record(demo, key, demo.at(7, "08:30"))
    d = demo.receive(demo.at(7, "08:35"), d)
    d = demo.forward(demo.at(7, "09:00"), d)
    due = d.due_at.astimezone(TZ).date()
    before = [i for i, day in enumerate(demo.days) if day < due]
    k = before[min(1, len(before) - 1)] if before else 0  # 2 working days before the due day
    when = max(demo.at(min(k, 6), "09:30"), demo.at(7, "10:00"))
    new_due = timing.add_working_days(demo.agencies[JUSTICE], max(d.due_at, when), 5)
    return demo.act(
        when,
        services.propose_new_date,
        d,
        demo.people["stp_leader"],
        new_due_at=new_due,
        reason="Chưa nhận được kết quả tra cứu, xác minh thông tin về án tích của người được "
        "cấp Phiếu từ Công an tỉnh.",
    )


def s23_record_at_the_specialist(demo: Demo, key: str) -> Dossier:
    d = _record(demo, key, demo.at(4, "09:20"))
    d = demo.receive(demo.at(4, "09:25"), d)
    return demo.forward(demo.at(4, "10:00"), d)


def s24_record_approved(demo: Demo, key: str) -> Dossier:
    d = _record(demo, key, demo.at(4, "08:30"))
    d = demo.receive(demo.at(4, "08:35"), d)
    d = demo.forward(demo.at(4, "08:50"), d)
    d = demo.check(demo.at(3, "15:00"), d)
    d = demo.review(demo.at(2, "10:00"), d)
    return demo.sign(demo.at(1, "09:00"), d)


def s25_record_just_received(demo: Demo, key: str) -> Dossier:
    d = _record(demo, key, demo.at(0, "15:40"))
    return demo.receive(demo.at(0, "15:45"), d)


SCENARIOS: list[Callable[[Demo, str], Dossier]] = [
    s01_birth_returned_early,
    s02_birth_returned_on_time,
    s03_birth_online_returned_online,
    s04_copy_same_day,
    s05_copy_for_a_company,
    s06_copy_returned_early,
    s07_marriage_returned_early,
    s08_marriage_returned_on_time,
    s09_birth_refused_at_reception,
    s10_marriage_withdrawn,
    s11_marriage_awaiting_supplement,
    s12_birth_just_received,
    s13_copy_just_received,
    s14_marriage_at_the_specialist,
    s15_marriage_waiting_for_signature,
    s16_birth_result_ready,
    s17_death_at_the_specialist,
    s18_marriage_submitted_again,
    s19_record_online_returned_early,
    s20_record_returned_on_time,
    s21_record_returned_late,
    s22_record_late_with_apology,
    s23_record_at_the_specialist,
    s24_record_approved,
    s25_record_just_received,
]
# The statuses the scenarios leave (what the demo test checks).
EXPECTED_STATUSES = {
    Status.RETURNED: 11,
    Status.PROCESSING: 5,
    Status.RECEIVED: 3,
    Status.APPROVED: 1,
    Status.RESULT_READY: 1,
    Status.AWAITING_SUPPLEMENT: 1,
    Status.REFUSED_RECEPTION: 1,
    Status.WITHDRAWN: 1,
    Status.SUBMITTED: 1,
}


# --- loading -------------------------------------------------------------------------------------


def _need(queryset, what: str):
    found = queryset.first()
    if found is None:
        raise LookupError(
            f"Thiếu {what} của dữ liệu mẫu: chạy chinhquyen.core.demo.load_demo() trước "
            "load_demo_dossiers()."
        )
    return found


def _setup() -> Demo:
    from chinhquyen.accounts import permissions as account_permissions
    from chinhquyen.accounts import services as account_services
    from chinhquyen.catalog import services as catalog_services

    agencies = {
        code: _need(Agency.objects.filter(code=code), f"cơ quan {code}") for code in (WARD, JUSTICE)
    }
    procedures = {
        code: _need(Procedure.objects.filter(code=code), f"thủ tục {code}")
        for code in (BIRTH, MARRIAGE, DEATH, COPY, RECORD)
    }
    for (code, agency_code), steps in PROCESSES.items():
        procedure, agency = procedures[code], agencies[agency_code]
        if not ProcessStep.objects.filter(procedure=procedure, agency=agency).exists():
            catalog_services.set_process(
                actor=None, procedure=procedure, steps=steps, agency=agency
            )
    centre_intake = _need(User.objects.filter(username=OFFICIALS["centre_intake"]), "cán bộ")
    if not account_permissions.has_role(centre_intake, Role.INTAKE_OFFICER, agencies[JUSTICE]):
        account_services.grant_role(
            actor=None, user=centre_intake, role=Role.INTAKE_OFFICER, agency=agencies[JUSTICE]
        )
    people = {
        key: _need(User.objects.filter(username=username), f"cán bộ {username}")
        for key, username in OFFICIALS.items()
    }
    citizens = {
        key: _need(User.objects.filter(phone=number), f"công dân {number}")
        for key, number in CITIZENS.items()
    }
    cal = timing.calendar(agencies[WARD])
    today = clock.now().astimezone(TZ).date()
    days: list[date] = []
    day = today - timedelta(days=1)
    while len(days) < 25:
        if cal.is_working_day(day):
            days.append(day)
        day -= timedelta(days=1)
    opening = {d: cal.hours_for(d)[0][0] for d in days}
    return Demo(
        rng=random.Random(SEED),
        days=days,
        agencies=agencies,
        procedures=procedures,
        people=people,
        citizens=citizens,
        ward_desk=agencies[WARD].desks.filter(is_active=True).order_by("id").first(),
        opening=opening,
    )


def load_demo_dossiers(*, stdout=None) -> dict[str, Any]:
    """Create the demo dossiers that are not there yet. Returns what was created and skipped,
    and the count of every demo dossier per status."""
    from chinhquyen.core.context import request_context

    def say(message: str) -> None:
        if stdout is not None:
            stdout.write(message)

    created = skipped = 0
    with request_context(user=None, ip=None, source="demo"):
        with transaction.atomic():
            demo = _setup()
        for number, scenario in enumerate(SCENARIOS, start=1):
            key = f"{KEY_PREFIX}{number:02d}"
            # The generator advances the same way whether a scenario runs or is skipped, so a
            # scenario added later does not change the people of the others.
            demo.rng.seed(f"{SEED}-{number}")
            if Dossier.objects.filter(idempotency_key=key).exists():
                skipped += 1
                continue
            with transaction.atomic():
                scenario(demo, key)
            created += 1
    statuses = Counter(
        Dossier.objects.filter(idempotency_key__startswith=KEY_PREFIX).values_list(
            "status", flat=True
        )
    )
    say(f"Hồ sơ mẫu: {created} mới, {skipped} đã có.")
    return {"created": created, "skipped": skipped, "statuses": dict(statuses)}
