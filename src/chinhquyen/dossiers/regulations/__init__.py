"""Versioned regulation packs of the mandated one-stop forms, rendered to PDF.

Pure functions over plain dicts, no database access::

    from chinhquyen.dossiers import regulations

    pdf = regulations.render("01", context)                 # bytes, pack tt01_2018
    regulations.pack_for(received_at.date()).id             # the pack in force that day
    regulations.form_codes("tt01_2018")                     # ["01", ..., "06"]

The context of each form is documented in :mod:`.contexts` and docs/forms.md.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .contexts import FormContextError, MissingContextKey
from .packs import NoPackInForce, Pack, PackError, PackRegistry, UnknownForm
from .rendering import clear_cache as _clear_template_cache
from .rendering import render_html as _render_html
from .rendering import render_pdf as _render_pdf

DEFAULT_PACK = "tt01_2018"

registry = PackRegistry()

__all__ = [
    "DEFAULT_PACK",
    "FormContextError",
    "MissingContextKey",
    "NoPackInForce",
    "Pack",
    "PackError",
    "PackRegistry",
    "UnknownForm",
    "available_packs",
    "form_codes",
    "get_pack",
    "pack_for",
    "registry",
    "reload",
    "render",
    "render_html",
]


def render(form_code: str, context: dict[str, Any], *, pack: str = DEFAULT_PACK) -> bytes:
    """The form ``form_code`` of ``pack`` filled with ``context``, as PDF bytes.

    Raises :class:`MissingContextKey` (naming the keys) or :class:`FormContextError` for a bad
    context, :class:`PackError` / :class:`UnknownForm` for an unknown pack or form.
    """
    the_pack = registry.get(pack)
    return _render_pdf(the_pack, the_pack.form(form_code), context)


def render_html(form_code: str, context: dict[str, Any], *, pack: str = DEFAULT_PACK) -> str:
    """The filled HTML before layout (for previews in the browser and for debugging)."""
    the_pack = registry.get(pack)
    return _render_html(the_pack, the_pack.form(form_code), context)


def available_packs() -> list[str]:
    """Ids of the packs beside this module, oldest first: ``["tt01_2018"]``."""
    return registry.available_packs()


def form_codes(pack: str = DEFAULT_PACK) -> list[str]:
    return registry.form_codes(pack)


def get_pack(pack: str = DEFAULT_PACK) -> Pack:
    return registry.get(pack)


def reload() -> None:
    """Read pack.json files and templates again (after editing a pack on a running server)."""
    registry.reload()
    _clear_template_cache()


def pack_for(day: date) -> Pack:
    """The pack in force on ``day`` (a date, or an aware datetime read in Vietnam time)."""
    return registry.pack_for(day)
