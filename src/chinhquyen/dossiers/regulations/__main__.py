"""Render every form of a pack with the sample context: ``python -m chinhquyen.dossiers.regulations
[--pack tt01_2018] [OUT_DIR]`` writes ``mau_01.pdf`` … to OUT_DIR (default: the current folder)."""

from __future__ import annotations

import argparse
from pathlib import Path

from . import DEFAULT_PACK, form_codes, render
from .samples import sample_context


def main(argv: list[str] | None = None) -> None:
    from django.conf import settings

    if not settings.configured:  # the packs need no project settings, only Django's defaults
        settings.configure()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out_dir", nargs="?", default=".", type=Path)
    parser.add_argument("--pack", default=DEFAULT_PACK)
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for code in form_codes(args.pack):
        target = args.out_dir / f"mau_{code}.pdf"
        target.write_bytes(render(code, sample_context(code), pack=args.pack))
        print(target)


if __name__ == "__main__":
    main()
