"""Fixtures shared by every test: users with roles, an agency tree, the SMTP server."""

from __future__ import annotations

import pytest

from chinhquyen.core.context import request_context


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def as_system():
    with request_context(user=None, ip=None, source="test"):
        yield
