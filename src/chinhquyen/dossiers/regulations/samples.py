"""A believable Nghệ An sample context for every form of tt01_2018 (tests, previews, docs).

One dossier runs through the forms: Nguyễn Thị Hồng Nhung asks the provincial public
administration service centre for a criminal record certificate (Phiếu Lý lịch tư pháp) on
12/02/2026, just before Tết; the police answer late, the Department of Justice apologises and
sets one new date. Agency codes and people are the demo's (illustrative, see core/demo.py);
the procedure code and name are from the national catalogue.
"""

from __future__ import annotations

import copy
from datetime import date, datetime

from .formatting import VIETNAM

DOSSIER_CODE = "000.00.20.H41-260212-0007"
LOOKUP_URL = f"https://chinhquyen.example/tra-cuu/{DOSSIER_CODE}"
APPLICANT = {
    "name": "Nguyễn Thị Hồng Nhung",
    "address": "Số 25 đường Nguyễn Du, phường Trường Vinh, tỉnh Nghệ An",
    "phone": "0912345678",
    "email": "hongnhung.nt@example.vn",
}
PROCEDURE = {
    "code": "3.000333",
    "name": (
        "Cấp Phiếu Lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại "
        "Việt Nam, người Việt Nam đang cư trú ở nước ngoài"
    ),
}
SERVICE_CENTRE = {
    "name": "Trung tâm Phục vụ hành chính công tỉnh Nghệ An",
    "parent": "UBND tỉnh Nghệ An",
}
DEPARTMENT_OF_JUSTICE = {"name": "Sở Tư pháp tỉnh Nghệ An", "parent": "UBND tỉnh Nghệ An"}
DESK = "Trung tâm Phục vụ hành chính công tỉnh Nghệ An"
INTAKE_OFFICER = {"name": "Lê Thị Mai", "phone": "0238 3599 888"}


def at(day: int, month: int, hour: int, minute: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VIETNAM)


RECEIVED_AT = at(12, 2, 14, 30)
DUE_AT = at(5, 3, 14, 30)  # 10 working days, Tết (14–22/02/2026) not counted
NEW_DUE_AT = at(12, 3, 14, 30)


def _dossier(agency: dict, issued_at: datetime) -> dict:
    return {
        "agency": agency,
        "place": "Nghệ An",
        "issued_at": issued_at,
        "dossier_code": DOSSIER_CODE,
        "lookup_url": LOOKUP_URL,
        "procedure": PROCEDURE,
        "applicant": APPLICANT,
    }


def _receipt() -> dict:
    return {
        **_dossier(SERVICE_CENTRE, RECEIVED_AT),
        "desk": DESK,
        "papers": [
            {
                "name": "Tờ khai yêu cầu cấp Phiếu Lý lịch tư pháp (Mẫu số 01/2025/LLTP)",
                "form": "original",
                "quantity": 1,
            },
            {
                "name": "Bản sao Thẻ Căn cước của người được cấp Phiếu",
                "form": "certified_copy",
                "quantity": 1,
            },
            {
                "name": "Giấy tờ chứng minh thuộc đối tượng được miễn, giảm phí",
                "form": "copy",
                "quantity": 1,
            },
        ],
        "sets": 1,
        "processing_time": "10 ngày làm việc",
        "received_at": RECEIVED_AT,
        "due_at": DUE_AT,
        "result_delivery": "Trung tâm Phục vụ hành chính công tỉnh Nghệ An, số 16 Trường Thi, "
        "phường Trường Vinh",
        "intake_officer": INTAKE_OFFICER,
        "tracking_book": {"volume": "01/2026", "number": 257},
    }


def _supplement_request() -> dict:
    return {
        **_dossier(SERVICE_CENTRE, at(13, 2, 9, 15)),
        "desk": DESK,
        "received_at": RECEIVED_AT,
        "items": [
            {
                "name": "Tờ khai yêu cầu cấp Phiếu Lý lịch tư pháp (Mẫu số 01/2025/LLTP)",
                "requirement": "khai lại mục “Nơi thường trú” và ký, ghi rõ họ tên",
                "reason": "Mục nơi thường trú còn ghi thành phố Vinh (đơn vị cấp huyện đã "
                "kết thúc hoạt động từ ngày 01/7/2025), chưa ghi theo phường mới.",
            },
            {
                "name": "Bản sao Thẻ Căn cước của người được cấp Phiếu",
                "requirement": "nộp 01 bản sao có chứng thực hoặc xuất trình bản chính để đối "
                "chiếu",
                "reason": "Bản sao đã nộp bị mờ, không đọc được số định danh cá nhân.",
            },
        ],
        "guide_officer": INTAKE_OFFICER,
    }


def _refusal() -> dict:
    return {
        **_dossier(SERVICE_CENTRE, at(12, 2, 14, 45)),
        "desk": DESK,
        "received_at": RECEIVED_AT,
        "reasons": [
            "Hồ sơ yêu cầu cấp Phiếu Lý lịch tư pháp số 2 do người khác nộp thay theo văn bản "
            "ủy quyền; cá nhân yêu cầu cấp Phiếu số 2 không được ủy quyền cho người khác làm "
            "thủ tục.",
        ],
        "intake_officer": INTAKE_OFFICER,
    }


def _apology() -> dict:
    return {
        **_dossier(DEPARTMENT_OF_JUSTICE, at(4, 3, 9, 0)),
        "number": "215/STP-HCTP",
        "received_at": RECEIVED_AT,
        "due_at": DUE_AT,
        "reason": "Cơ quan Công an chưa có kết quả tra cứu, xác minh thông tin về án tích của "
        "người được cấp Phiếu Lý lịch tư pháp.",
        "new_due_at": NEW_DUE_AT,
        "signer": {"position": "Giám đốc", "name": "Trần Văn Minh"},
        "recipients": [
            "Bà Nguyễn Thị Hồng Nhung;",
            "Trung tâm PVHCC tỉnh;",
            "Lưu: VT, HCTP.",
        ],
    }


def _control_sheet() -> dict:
    hctp = "Phòng Hành chính tư pháp, Sở Tư pháp"
    return {
        **_dossier(SERVICE_CENTRE, at(12, 3, 14, 30)),
        "lead_agency": "Sở Tư pháp tỉnh Nghệ An",
        "cooperating_agencies": ["Công an tỉnh Nghệ An"],
        "handovers": [
            {
                "from_unit": "Trung tâm Phục vụ hành chính công tỉnh",
                "to_unit": hctp,
                "giver": "Lê Thị Mai",
                "receiver": "Võ Thị Lan",
                "at": at(12, 2, 16, 5),
                "due_at": at(12, 2, 17, 0),
                "result": "on_time",
            },
            {
                "from_unit": hctp,
                "to_unit": "Công an tỉnh Nghệ An (tra cứu án tích)",
                "giver": "Nguyễn Thị Hằng",
                "receiver": "Hoàng Văn Tuấn",
                "at": at(23, 2, 9, 40),
                "due_at": at(2, 3, 17, 0),
                "result": "late",
                "note": "Trả lời ngày 09/3/2026",
            },
            {
                "from_unit": "Công an tỉnh Nghệ An",
                "to_unit": hctp,
                "giver": "Hoàng Văn Tuấn",
                "receiver": "Nguyễn Thị Hằng",
                "at": at(9, 3, 10, 20),
                "due_at": at(10, 3, 17, 0),
                "result": "early",
            },
            {
                "from_unit": "Sở Tư pháp tỉnh Nghệ An",
                "to_unit": "Trung tâm Phục vụ hành chính công tỉnh",
                "giver": "Nguyễn Thị Hằng",
                "receiver": "Lê Thị Mai",
                "at": at(11, 3, 15, 30),
                "due_at": NEW_DUE_AT,
                "result": "early",
                "note": "Đã hẹn lại một lần",
            },
        ],
    }


_BOOK_PROCEDURES = [
    ("3.000348", "Cấp lại giấy phép lái xe", "Sở Xây dựng tỉnh Nghệ An"),
    ("1.013803", "Bổ nhiệm công chứng viên", "Sở Tư pháp tỉnh Nghệ An"),
    ("2.000596", "Thủ tục đăng ký tham gia trợ giúp pháp lý", "Sở Tư pháp tỉnh Nghệ An"),
    (
        "1.012893",
        "Bán nhà ở cũ thuộc tài sản công",
        "Sở Xây dựng tỉnh Nghệ An",
    ),
]
_BOOK_PEOPLE = [
    ("Trần Quốc Bảo", "Xóm 3, xã Nghi Lộc, tỉnh Nghệ An", "0983112233"),
    ("Hồ Thị Thu Hà", "Khối 7, phường Vinh Hưng, tỉnh Nghệ An", "0367554411"),
    ("Phan Đình Phùng", "Số 8 Lê Lợi, phường Thành Vinh, tỉnh Nghệ An", "0857223344"),
    ("Công ty TNHH Xây dựng Lam Hồng", "Số 120 Nguyễn Văn Cừ, phường Vinh Phú", "02383845678"),
]


def _tracking_book() -> dict:
    rows = [
        {
            "number": 257,
            "dossier_code": DOSSIER_CODE,
            "procedure_name": PROCEDURE["name"],
            "sets": 1,
            "applicant_name": APPLICANT["name"],
            "applicant_address": APPLICANT["address"],
            "applicant_phone": APPLICANT["phone"],
            "lead_agency": "Sở Tư pháp tỉnh Nghệ An",
            "received_at": RECEIVED_AT,
            "due_at": DUE_AT,
            "forwarded_at": at(12, 2, 16, 5),
            "note": "Hẹn lại 12/3/2026",
        }
    ]
    for index, ((_code, name, lead), (person, address, phone)) in enumerate(
        zip(_BOOK_PROCEDURES, _BOOK_PEOPLE, strict=True), start=1
    ):
        received = at(12, 2, 14, 30 + 5 * index)
        rows.append(
            {
                "number": 257 + index,
                "dossier_code": f"000.00.20.H41-260212-{7 + index:04d}",
                "procedure_name": name,
                "sets": 1,
                "applicant_name": person,
                "applicant_address": address,
                "applicant_phone": phone,
                "lead_agency": lead,
                "received_at": received,
                "due_at": at(26, 2, 16, 0),
                "forwarded_at": at(12, 2, 16, 10),
                "result_received_at": at(24, 2, 10, 0) if index % 2 else None,
                "returned_at": at(25, 2, 8, 30) if index % 2 else None,
            }
        )
    return {
        "agency": SERVICE_CENTRE,
        "place": "Nghệ An",
        "issued_at": at(28, 2, 17, 0),
        "desk": DESK,
        "period_start": date(2026, 2, 1),
        "period_end": date(2026, 2, 28),
        "volume": "01/2026",
        "lookup_url": "https://chinhquyen.example/so-theo-doi/000.00.20.H41/2026-02",
        "rows": rows,
    }


_BUILDERS = {
    "01": _receipt,
    "02": _supplement_request,
    "03": _refusal,
    "04": _apology,
    "05": _control_sheet,
    "06": _tracking_book,
}


def sample_context(form_code: str) -> dict:
    """A fresh (deep-copied) sample context for form ``form_code`` of tt01_2018."""
    return copy.deepcopy(_BUILDERS[form_code]())
