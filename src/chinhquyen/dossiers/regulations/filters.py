"""Template filters every pack may use (registered as builtins of the pack's template engine).

``{{ received_at|vn_datetime }}``, ``{{ issued_at|vn_date }}``, ``{{ row.at|short_datetime }}``,
``{{ sets|two_digits }}``, ``{{ paper.form|paper_form }}``, ``{{ row.result|handover_result }}``,
``{{ applicant.phone|mask_phone }}``, ``{{ dossier_code|code128 }}`` and ``{{ lookup_url|qr }}``
(the last two give ``data:`` URIs for ``<img src>``) and ``{{ n|times }}`` (``range(n)``).
"""

from __future__ import annotations

from django import template

from . import codes, formatting

register = template.Library()

for _name in (
    "vn_date",
    "vn_time",
    "vn_datetime",
    "short_date",
    "short_datetime",
    "two_digits",
    "paper_form",
    "handover_result",
    "mask_phone",
):
    register.filter(_name, getattr(formatting, _name))

register.filter("code128", codes.code128_data_uri)
register.filter("qr", codes.qr_data_uri)


@register.filter
def times(count) -> range:
    """``{% for _ in blank_rows|times %}``: repeat a block ``count`` times."""
    return range(int(count or 0))
