"""Sự kiện đời sống of the demo catalog: real national procedure codes, in the order people
usually do them. Every code here is in ``data/demo-procedures.jsonl.gz`` (a test checks it); an
installation edits its own events in the workspace."""

from __future__ import annotations

# slug, name, description, procedure codes in order
DEMO_LIFE_EVENTS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "khi-sinh-con",
        "Khi sinh con",
        "Đăng ký khai sinh cho bé, đăng ký thường trú và cấp thẻ bảo hiểm y tế cho trẻ dưới 6 "
        "tuổi; làm thẻ căn cước cho con khi cần.",
        ("2.000986", "2.001023", "1.001193", "1.000689", "2.000528", "1.014062"),
    ),
    (
        "khi-ket-hon",
        "Khi kết hôn",
        "Xin giấy xác nhận tình trạng hôn nhân và đăng ký kết hôn, kể cả khi vợ hoặc chồng là "
        "người nước ngoài.",
        ("1.004873", "1.000894", "2.000806", "1.004746"),
    ),
    (
        "khi-hoc-tap-di-lam",
        "Khi học tập, đi làm",
        "Những giấy tờ thường phải có khi nhập học, xin việc: phiếu lý lịch tư pháp, bản sao "
        "có chứng thực, bản sao giấy khai sinh, thẻ căn cước; thuê nhà ở sinh viên.",
        ("3.000333", "2.000815", "2.000884", "1.014061", "2.000635", "1.007765"),
    ),
    (
        "khi-chuyen-noi-o",
        "Khi chuyển nơi ở",
        "Đăng ký thường trú, tạm trú ở nơi mới, xóa đăng ký ở nơi cũ, tách hộ và cập nhật "
        "thông tin trên thẻ căn cước.",
        (
            "1.004222",
            "1.004194",
            "1.002755",
            "1.003197",
            "1.010028",
            "1.010038",
            "1.010041",
            "1.014060",
        ),
    ),  # fmt: skip
    (
        "khi-xay-nha",
        "Khi xây, sửa nhà",
        "Xem thông tin quy hoạch, xin giấy phép xây dựng nhà ở, gia hạn, điều chỉnh hoặc cấp "
        "lại giấy phép.",
        ("1.014159", "1.013225", "1.013229", "1.013226", "1.013227", "1.013228"),
    ),
    (
        "khi-mua-ban-nha-dat",
        "Khi mua, bán nhà đất",
        "Chứng thực hợp đồng, sang tên Giấy chứng nhận quyền sử dụng đất, tách hoặc hợp thửa, "
        "cấp đổi giấy chứng nhận.",
        ("2.001035", "1.012787", "1.012784", "1.012783", "1.013833"),
    ),
    (
        "khi-thanh-lap-doanh-nghiep",
        "Khi thành lập doanh nghiệp, kinh doanh",
        "Đăng ký hộ kinh doanh, thành lập công ty, doanh nghiệp tư nhân hoặc hợp tác xã, và "
        "tài khoản định danh điện tử cho tổ chức.",
        ("1.001612", "2.001583", "2.001199", "2.001610", "1.005280", "3.000498"),
    ),
    (
        "khi-co-nguoi-mat",
        "Khi có người thân qua đời",
        "Đăng ký khai tử, xóa đăng ký thường trú, chứng thực văn bản phân chia hoặc từ chối "
        "nhận di sản.",
        ("1.000656", "1.001766", "1.003197", "2.001406", "2.001016"),
    ),
)
