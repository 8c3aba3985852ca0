"""The texts a new installation starts with (loaded by migration 0002; edited later in admin).

SMS texts are written with diacritics and sent unaccented unless ``CHINHQUYEN_SMS_UNICODE`` is
on; each dossier SMS fits one 160-character GSM-7 segment (checked by the tests). E-mails say
the same at more length. Texts carry the dossier code and the lookup address, and of the
applicant's personal data only their name.
"""

from __future__ import annotations

FOOTER = (
    "\n\nTrân trọng,\n{{ platform }}\n\nThư này được gửi tự động, xin ông/bà không trả lời thư này."
)


def _email(key: str, description: str, subject: str, body: str) -> dict:
    greeting = "Kính gửi ông/bà {{ name }},\n\n"
    return {
        "key": key,
        "channel": "email",
        "subject": subject,
        "body": greeting + body.strip() + FOOTER,
        "description": description,
    }


def _sms(key: str, description: str, body: str) -> dict:
    return {"key": key, "channel": "sms", "subject": "", "body": body, "description": description}


_LOOKUP = "\n\nÔng/bà theo dõi hồ sơ tại: {{ lookup_link }}"

TEMPLATES: list[dict] = [
    # --- account --------------------------------------------------------------------------------
    {
        **_sms(
            "account.verification_code",
            "Mã xác minh khi đăng ký tài khoản",
            "{{ code }} là mã xác minh {{ purpose }} trên {{ platform }}."
            "{% if minutes %} Mã có hiệu lực {{ minutes }} phút.{% endif %}"
            " Không đưa mã này cho bất kỳ ai.",
        ),
        "sensitive": True,
    },
    {
        "key": "account.verification_code",
        "channel": "email",
        "subject": "Mã xác minh {{ purpose }}: {{ code }}",
        "body": "Xin chào,\n\nMã xác minh {{ purpose }} trên {{ platform }} của bạn là:\n\n"
        "    {{ code }}\n\n"
        "{% if minutes %}Mã có hiệu lực trong {{ minutes }} phút. {% endif %}"
        "Không đưa mã này cho bất kỳ ai, kể cả người tự xưng là cán bộ.\n"
        "Nếu bạn không yêu cầu mã này, hãy bỏ qua thư." + FOOTER,
        "description": "Mã xác minh khi đăng ký tài khoản",
        "sensitive": True,
    },
    # --- dossiers: to the applicant ------------------------------------------------------------
    _sms(
        "dossier.submitted",
        "Công dân nộp hồ sơ trực tuyến",
        "Hồ sơ {{ code }} đã nộp trực tuyến, đang chờ tiếp nhận. Tra cứu: {{ lookup_url }}",
    ),
    _email(
        "dossier.submitted",
        "Công dân nộp hồ sơ trực tuyến",
        "Đã nhận hồ sơ trực tuyến {{ code }}",
        "Hồ sơ «{{ procedure }}» của ông/bà đã được gửi trực tuyến đến {{ agency }}, "
        "mã hồ sơ {{ code }}.\n\nCán bộ sẽ kiểm tra thành phần hồ sơ. Khi hồ sơ được tiếp nhận, "
        "ông/bà sẽ nhận được thông báo kèm ngày hẹn trả kết quả." + _LOOKUP,
    ),
    _sms(
        "dossier.received",
        "Bộ phận Một cửa tiếp nhận hồ sơ (Mẫu 01)",
        "Hồ sơ {{ code }} đã được tiếp nhận, hẹn trả kết quả ngày {{ due_date }}. "
        "Tra cứu: {{ lookup_url }}",
    ),
    _email(
        "dossier.received",
        "Bộ phận Một cửa tiếp nhận hồ sơ (Mẫu 01)",
        "Hồ sơ {{ code }} đã được tiếp nhận – hẹn trả kết quả ngày {{ due_date }}",
        "Hồ sơ «{{ procedure }}» mã {{ code }} đã được {{ agency }} tiếp nhận.\n\n"
        "Ngày hẹn trả kết quả: {{ due_date }}." + _LOOKUP,
    ),
    _sms(
        "dossier.supplement_requested",
        "Yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)",
        "Hồ sơ {{ code }} cần bổ sung {{ items|length }} giấy tờ. "
        "Xem giấy tờ cần bổ sung tại: {{ lookup_url }}",
    ),
    _email(
        "dossier.supplement_requested",
        "Yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)",
        "Hồ sơ {{ code }} cần bổ sung giấy tờ",
        "Hồ sơ «{{ procedure }}» mã {{ code }} cần bổ sung các giấy tờ sau:\n\n"
        "{% for item in items %}{{ forloop.counter }}. {{ item.name }}"
        "{% if item.reason %} – lý do: {{ item.reason }}{% endif %}\n{% endfor %}"
        "{% if reason %}\nHướng dẫn thêm: {{ reason }}\n{% endif %}"
        "{% if deadline %}\nXin ông/bà bổ sung trước ngày {{ deadline }}.\n{% endif %}"
        "\nÔng/bà nộp bổ sung trực tuyến hoặc mang đến {{ desk }}. Thời hạn giải quyết được "
        "tính lại khi hồ sơ đã đủ." + _LOOKUP,
    ),
    _sms(
        "dossier.reception_refused",
        "Từ chối tiếp nhận hồ sơ (Mẫu 03)",
        "Hồ sơ {{ code }} không được tiếp nhận. Xem lý do tại: {{ lookup_url }}",
    ),
    _email(
        "dossier.reception_refused",
        "Từ chối tiếp nhận hồ sơ (Mẫu 03)",
        "Hồ sơ {{ code }} không được tiếp nhận",
        "Rất tiếc, hồ sơ «{{ procedure }}» mã {{ code }} không được {{ agency }} tiếp nhận.\n\n"
        "Lý do: {{ reason }}" + _LOOKUP,
    ),
    _sms(
        "dossier.new_date",
        "Xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)",
        "Xin lỗi ông/bà: hồ sơ {{ code }} chưa có kết quả đúng hẹn, hẹn lại ngày {{ new_date }}. "
        "Tra cứu: {{ lookup_url }}",
    ),
    _email(
        "dossier.new_date",
        "Xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)",
        "Xin lỗi: hồ sơ {{ code }} hẹn lại ngày trả kết quả {{ new_date }}",
        "{{ agency }} thành thật xin lỗi ông/bà vì hồ sơ «{{ procedure }}» mã {{ code }} "
        "chưa giải quyết được đúng hẹn{% if old_date %} ngày {{ old_date }}{% endif %}.\n\n"
        "Lý do: {{ reason }}\n\n"
        "Ngày hẹn trả kết quả mới: {{ new_date }}. Mong ông/bà thông cảm." + _LOOKUP,
    ),
    _sms(
        "dossier.obligation_requested",
        "Yêu cầu thực hiện nghĩa vụ tài chính",
        "Hồ sơ {{ code }}: ông/bà cần nộp {{ amount }} đồng (thuế, phí). "
        "Chi tiết: {{ lookup_url }}",
    ),
    _email(
        "dossier.obligation_requested",
        "Yêu cầu thực hiện nghĩa vụ tài chính",
        "Hồ sơ {{ code }}: cần nộp {{ amount }} đồng",
        "Để tiếp tục giải quyết hồ sơ «{{ procedure }}» mã {{ code }}, ông/bà cần nộp "
        "{{ amount }} đồng.\n\nNội dung: {{ reason }}" + _LOOKUP,
    ),
    _sms(
        "dossier.result_ready",
        "Hồ sơ đã có kết quả",
        "Hồ sơ {{ code }} đã có kết quả. {% if result_online %}Tải về tại mục Hồ sơ của tôi "
        "trên {{ site }}.{% elif result_by_post %}Kết quả sẽ được gửi qua bưu điện."
        "{% else %}Mời ông/bà đến Bộ phận Một cửa nhận kết quả, mang theo giấy hẹn.{% endif %}",
    ),
    _email(
        "dossier.result_ready",
        "Hồ sơ đã có kết quả",
        "Hồ sơ {{ code }} đã có kết quả",
        "Hồ sơ «{{ procedure }}» mã {{ code }} đã có kết quả.\n\n"
        "{% if result_online %}Ông/bà đăng nhập {{ site }} và tải kết quả về tại mục "
        "«Hồ sơ của tôi».{% elif result_by_post %}Kết quả sẽ được gửi đến ông/bà qua dịch vụ "
        "bưu chính công ích.{% else %}Mời ông/bà đến {{ desk }} để nhận kết quả, nhớ mang theo "
        "giấy tiếp nhận hồ sơ và hẹn trả kết quả cùng giấy tờ tùy thân.{% endif %}" + _LOOKUP,
    ),
    _sms(
        "dossier.returned",
        "Đã trả kết quả",
        "Hồ sơ {{ code }} đã trả kết quả. Cảm ơn ông/bà. Đánh giá mức độ hài lòng tại: "
        "{{ lookup_url }}",
    ),
    _email(
        "dossier.returned",
        "Đã trả kết quả",
        "Hồ sơ {{ code }} đã trả kết quả",
        "Hồ sơ «{{ procedure }}» mã {{ code }} đã được trả kết quả"
        "{% if returned_via == 'post' %} qua bưu điện{% elif returned_via == 'online' %}"
        " trực tuyến{% endif %}.\n\nCảm ơn ông/bà đã sử dụng dịch vụ công. Mời ông/bà đánh "
        "giá mức độ hài lòng để chúng tôi phục vụ tốt hơn." + _LOOKUP,
    ),
    _sms(
        "dossier.processing_refused",
        "Từ chối giải quyết hồ sơ",
        "Hồ sơ {{ code }} không được giải quyết. Xem lý do tại: {{ lookup_url }}",
    ),
    _email(
        "dossier.processing_refused",
        "Từ chối giải quyết hồ sơ",
        "Hồ sơ {{ code }} không được giải quyết",
        "Rất tiếc, hồ sơ «{{ procedure }}» mã {{ code }} không được giải quyết.\n\n"
        "Lý do: {{ reason }}\n\nVăn bản trả lời được trả cho ông/bà theo hình thức đã đăng ký."
        + _LOOKUP,
    ),
    _sms(
        "dossier.withdrawn",
        "Công dân rút hồ sơ",
        "Hồ sơ {{ code }} đã được rút theo đề nghị của ông/bà. Tra cứu: {{ lookup_url }}",
    ),
    _email(
        "dossier.withdrawn",
        "Công dân rút hồ sơ",
        "Hồ sơ {{ code }} đã được rút",
        "Theo đề nghị của ông/bà, hồ sơ «{{ procedure }}» mã {{ code }} đã được rút và "
        "không giải quyết tiếp." + _LOOKUP,
    ),
    _sms(
        "dossier.stopped",
        "Dừng xử lý hồ sơ",
        "Hồ sơ {{ code }} đã dừng xử lý. Xem lý do tại: {{ lookup_url }}",
    ),
    _email(
        "dossier.stopped",
        "Dừng xử lý hồ sơ",
        "Hồ sơ {{ code }} đã dừng xử lý",
        "Hồ sơ «{{ procedure }}» mã {{ code }} đã dừng xử lý.\n\nLý do: {{ reason }}" + _LOOKUP,
    ),
    # --- dossiers: to the official -------------------------------------------------------------
    {
        "key": "dossier.step_assigned",
        "channel": "email",
        "subject": "Hồ sơ {{ code }} được giao cho đồng chí",
        "body": "Kính gửi đồng chí {{ official }},\n\n"
        "Hồ sơ «{{ procedure }}» mã {{ code }} vừa được giao cho đồng chí ({{ step }}).\n"
        "{% if due_date %}Hạn trả kết quả của hồ sơ: {{ due_date }}.\n{% endif %}"
        "\nĐồng chí đăng nhập phần mềm Một cửa điện tử tại {{ workspace_url }} để xử lý." + FOOTER,
        "description": "Cán bộ được giao xử lý một bước",
    },
    # --- Zalo (ZNS): off until the province registers its templates with Zalo -------------------
    {
        "key": "dossier.received",
        "channel": "zalo",
        "subject": "",
        "body": "ma_ho_so: {{ code }}\nngay_hen: {{ due_date }}\nten_khach_hang: {{ name }}",
        "description": "Tin ZNS khi tiếp nhận: điền mã mẫu ZNS đã được Zalo duyệt rồi bật",
        "active": False,
    },
    {
        "key": "dossier.result_ready",
        "channel": "zalo",
        "subject": "",
        "body": "ma_ho_so: {{ code }}\nten_khach_hang: {{ name }}",
        "description": "Tin ZNS khi có kết quả: điền mã mẫu ZNS đã được Zalo duyệt rồi bật",
        "active": False,
    },
]
