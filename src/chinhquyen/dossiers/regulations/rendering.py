"""Render one form of one pack to PDF bytes: validate the context, fill the template, lay out."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.template import Context, Engine

from . import contexts
from .packs import FormSpec, Pack

FILTERS = "chinhquyen.dossiers.regulations.filters"


@lru_cache(maxsize=16)
def _engine(template_dirs: tuple[str, ...]) -> Engine:
    # A standalone engine: pack templates never see the site's templates, context processors or
    # settings, and the site's templates never see the packs.
    return Engine(dirs=list(template_dirs), builtins=[FILTERS], autoescape=True)


def clear_cache() -> None:
    _engine.cache_clear()


def render_html(pack: Pack, form: FormSpec, context: dict[str, Any]) -> str:
    contexts.validate(
        context,
        form.context,
        extra_required=form.required_keys,
        label=f"form {form.code} ({pack.id})",
    )
    engine = _engine(tuple(str(d) for d in pack.template_dirs))
    template = engine.get_template(form.template)
    values = {**context, "form": form, "pack": pack}
    # use_l10n=False: numbers print as the form wants them, not with the site's separators.
    return template.render(Context(values, autoescape=True, use_l10n=False))


def page_css(form: FormSpec) -> str:
    return f"@page {{ size: {form.page_size}; }}"


def render_pdf(pack: Pack, form: FormSpec, context: dict[str, Any]) -> bytes:
    # Imported here: WeasyPrint loads Pango through cffi, which costs time at import and is
    # needed only when a form is actually printed.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    html = render_html(pack, form, context)
    # Templates are editable data: allow only data: URIs (our QR and barcode images), never
    # files or the network.
    fetcher = URLFetcher(allowed_protocols={"data"})
    stylesheets = [
        CSS(string=pack.find_file(name).read_text(encoding="utf-8"), url_fetcher=fetcher)
        for name in pack.stylesheets
    ]
    stylesheets.append(CSS(string=page_css(form), url_fetcher=fetcher))
    document = HTML(string=html, url_fetcher=fetcher, base_url=None)
    return document.write_pdf(stylesheets=stylesheets)
