"""The brandname SMS protocol we speak, modelled on common Vietnamese gateways.

Request: ``POST <CHINHQUYEN_SMS_URL>`` with ``Content-Type: application/json``::

    {"ApiKey": "…", "Brandname": "UBND-NGHEAN", "Phone": "0912345678",
     "Content": "Ho so … da duoc tiep nhan …", "IsUnicode": 0, "SmsType": 2,
     "RequestId": "<stable key of this message>"}

``SmsType`` 2 is a customer-care brandname message. ``IsUnicode`` 0 means the content is
GSM-7 (unaccented); 1 means UCS-2 (70 characters per segment). The gateway answers HTTP 200
with ``{"CodeResult": "100", "SMSID": "…"}`` on success, or another ``CodeResult`` and an
``ErrorMessage``. The same ``RequestId`` sent again returns the first ``SMSID`` (no second SMS).
"""

from __future__ import annotations

from typing import Any

OK = "100"
CODES = {
    "100": "Đã nhận tin",
    "98": "Yêu cầu không đúng định dạng JSON",
    "99": "Lỗi hệ thống của nhà mạng/cổng SMS",
    "101": "Sai khóa API",
    "103": "Tài khoản hết tiền",
    "104": "Tên thương hiệu (brandname) chưa đăng ký",
    "110": "Nội dung trống",
    "116": "Nội dung quá dài",
    "117": "Nội dung có ký tự Unicode nhưng IsUnicode = 0",
    "118": "Số điện thoại không hợp lệ",
}
# Codes worth retrying: the gateway is unwell, or the account can be topped up.
RETRYABLE = frozenset({"99", "103"})
MAX_SEGMENTS = 5


def request_body(
    *, api_key: str, brandname: str, phone: str, content: str, unicode: bool, request_id: str
) -> dict[str, Any]:
    return {
        "ApiKey": api_key,
        "Brandname": brandname,
        "Phone": phone,
        "Content": content,
        "IsUnicode": 1 if unicode else 0,
        "SmsType": 2,
        "RequestId": request_id,
    }


def describe(code: str) -> str:
    return f"{code} {CODES.get(code, 'Mã lỗi không rõ')}"
