"""Demo data of the accounts app beyond the core demo: a saved representative for a citizen."""

from __future__ import annotations

from chinhquyen.accounts import services
from chinhquyen.accounts.models import Representation, User

DEMO_CITIZEN_PHONE = "0912345678"  # Nguyễn Văn An in core/demo.py


def load_demo_accounts_extra() -> int:
    """Give the demo citizen one person they apply for (their mother). Safe to run twice.

    Returns how many representatives were added.
    """
    citizen = User.objects.filter(phone=DEMO_CITIZEN_PHONE, kind=User.Kind.CITIZEN).first()
    if citizen is None or Representation.objects.filter(account=citizen).exists():
        return 0
    services.add_representation(
        actor=None,
        account=citizen,
        values={
            "kind": Representation.Kind.PERSON,
            "name": "Nguyễn Thị Hoa",
            "identity_number": "040165001122",
            "relation": "Mẹ tôi (cao tuổi, nhờ con nộp hồ sơ)",
            "phone": "0388123456",
            "address": "Số 12 đường Lê Lợi, phường Trường Vinh, tỉnh Nghệ An",
        },
    )
    return 1
