"""The dossier code as machine-readable marks: Code 128 barcode and QR code, as SVG data URIs.

python-barcode does the Code 128 encoding (code sets, checksum); we draw its bars ourselves as a
scalable SVG with a viewBox, because its own SVG writer fixes the size in millimetres and carries
an external DTD. segno draws the QR code.
"""

from __future__ import annotations

import base64
from functools import lru_cache

import barcode
import segno


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


@lru_cache(maxsize=512)
def code128_svg(value: str, *, height: int = 40) -> str:
    """A Code 128 barcode of ``value`` as SVG, one unit per module, scaled by the page's CSS."""
    modules = barcode.get("code128", value).build()[0]
    bars = []
    x = 0
    for bit, run in _runs(modules):
        if bit == "1":
            bars.append(f"M{x} 0h{run}v{height}h-{run}z")
        x += run
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {len(modules)} {height}" '
        f'preserveAspectRatio="none" shape-rendering="crispEdges">'
        f'<path fill="#000" d="{"".join(bars)}"/></svg>'
    )


def _runs(modules: str):
    start = 0
    for i in range(1, len(modules) + 1):
        if i == len(modules) or modules[i] != modules[start]:
            yield modules[start], i - start
            start = i


def code128_data_uri(value: str) -> str:
    return _data_uri(code128_svg(value))


@lru_cache(maxsize=512)
def qr_data_uri(value: str) -> str:
    """A QR code (error correction M, 2-module border) as an SVG data URI with a viewBox."""
    qr = segno.make(value, error="m", boost_error=False)
    svg = qr.svg_inline(border=2, omitsize=True, dark="#000")
    return _data_uri(svg)
