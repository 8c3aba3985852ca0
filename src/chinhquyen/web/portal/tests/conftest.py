"""Portal tests reuse the dossier engine's fixtures (a seeded calendar, a frozen clock, a
procedure with two papers at the Department of Justice, its officials and citizens)."""

from chinhquyen.dossiers.tests.conftest import (  # noqa: F401
    applicant,
    calendar_seeded,
    desk,
    frozen,
    people,
    procedure,
    stranger,
    world,
)
