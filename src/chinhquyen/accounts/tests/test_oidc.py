"""Single sign-on against a local OpenID Connect provider on a real socket: the full code flow
with the Django test client, matching by identity (never by e-mail), forged state and nonce."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from chinhquyen.accounts.models import User
from chinhquyen.accounts.tests.oidc_provider import Provider
from chinhquyen.audit.models import AuditRecord
from chinhquyen.conftest import make_citizen

pytestmark = pytest.mark.django_db
START = "/tai-khoan/dinh-danh/"
CLAIMS = {
    "sub": "vneid-7f3a9c",
    "name": "Hoàng Thị Lan",
    "identity_number": "040195006789",
    "email": "lan@example.vn",
}


@pytest.fixture
def provider(settings, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with Provider(client_id="chinhquyen-test", client_secret="bi-mat", claims=CLAIMS) as op:
        # Configure the client from the provider's discovery document, as an operator would.
        meta = requests.get(f"{op.issuer}/.well-known/openid-configuration", timeout=5).json()
        settings.OIDC_ENABLED = True
        settings.OIDC_RP_CLIENT_ID = "chinhquyen-test"
        settings.OIDC_RP_CLIENT_SECRET = "bi-mat"
        settings.OIDC_OP_ISSUER = meta["issuer"]
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT = meta["authorization_endpoint"]
        settings.OIDC_OP_TOKEN_ENDPOINT = meta["token_endpoint"]
        settings.OIDC_OP_USER_ENDPOINT = meta["userinfo_endpoint"]
        settings.OIDC_OP_JWKS_ENDPOINT = meta["jwks_uri"]
        yield op


def _to_provider(client):
    """Start at the portal; follow the redirect to the provider, which sends back a code."""
    start = client.get(START)
    assert start.status_code == 302
    authorize = urlsplit(start.url)
    query = parse_qs(authorize.query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    back = requests.get(start.url, allow_redirects=False, timeout=5)
    assert back.status_code == 302
    callback = urlsplit(back.headers["Location"])
    assert callback.netloc == "testserver" and callback.path == "/tai-khoan/dinh-danh/callback/"
    return callback


def test_login_page_offers_sso_only_when_configured(client, settings):
    settings.OIDC_ENABLED = False
    assert "tài khoản định danh điện tử" not in client.get("/tai-khoan/dang-nhap/").content.decode()
    assert client.get(START).status_code == 404
    settings.OIDC_ENABLED = True
    page = client.get("/tai-khoan/dang-nhap/").content.decode()
    assert (
        "Đăng nhập bằng tài khoản định danh điện tử" in page
        and 'href="/tai-khoan/dang-ky/"' in page
    )


def test_full_code_flow_creates_and_then_reuses_the_account(client, provider):
    callback = _to_provider(client)
    done = client.get(f"{callback.path}?{callback.query}")
    assert done.status_code == 302 and done.url == "/"
    user = User.objects.get(oidc_sub="vneid-7f3a9c")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.full_name == "Hoàng Thị Lan" and user.kind == User.Kind.CITIZEN
    assert user.identity_number == "040195006789" and user.identity_verified
    assert user.email is None and not user.has_usable_password()
    assert AuditRecord.objects.filter(action="accounts.sso_register").exists()
    page = client.get("/tai-khoan/ho-so/").content.decode()
    assert "*********789" in page and "đã xác thực qua định danh điện tử" in page

    client.post("/tai-khoan/dang-xuat/")
    callback = _to_provider(client)
    assert client.get(f"{callback.path}?{callback.query}").status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert User.objects.filter(oidc_sub="vneid-7f3a9c").count() == 1
    assert AuditRecord.objects.filter(action="accounts.sso_login").exists()


def test_never_matched_by_email_alone(client, provider):
    someone = make_citizen("0911000111", email="lan@example.vn", full_name="Người khác")
    callback = _to_provider(client)
    client.get(f"{callback.path}?{callback.query}")
    assert client.session["_auth_user_id"] != str(someone.pk)
    someone.refresh_from_db()
    assert someone.oidc_sub is None


def test_verified_identity_number_wins_over_a_self_declared_one(client, provider):
    typed = make_citizen("0911000111", identity_number="040195006789")
    callback = _to_provider(client)
    client.get(f"{callback.path}?{callback.query}")
    user = User.objects.get(oidc_sub="vneid-7f3a9c")
    assert user.pk != typed.pk and user.identity_number == "040195006789"
    typed.refresh_from_db()
    assert typed.identity_number is None
    assert AuditRecord.objects.filter(action="accounts.identity_number_released").exists()


def test_account_with_verified_number_is_linked(client, provider):
    known = make_citizen("0911000111", identity_number="040195006789", identity_verified=True)
    callback = _to_provider(client)
    client.get(f"{callback.path}?{callback.query}")
    known.refresh_from_db()
    assert known.oidc_sub == "vneid-7f3a9c"
    assert client.session["_auth_user_id"] == str(known.pk)


def test_forged_state_is_refused(client, provider):
    callback = _to_provider(client)
    query = parse_qs(callback.query)
    forged = client.get(f"{callback.path}?code={query['code'][0]}&state=forged", follow=True)
    assert "_auth_user_id" not in client.session
    assert "không thành công" in forged.content.decode()
    assert provider.token_requests == 0  # the code was never even exchanged
    assert not User.objects.filter(oidc_sub="vneid-7f3a9c").exists()


def test_wrong_nonce_is_refused(client, provider):
    provider.nonce_override = "another-login"
    callback = _to_provider(client)
    refused = client.get(f"{callback.path}?{callback.query}", follow=True)
    assert provider.token_requests == 1
    assert "_auth_user_id" not in client.session
    assert "không thành công" in refused.content.decode()
    assert not User.objects.filter(oidc_sub="vneid-7f3a9c").exists()


def test_a_replayed_callback_is_refused(client, provider):
    callback = _to_provider(client)
    client.get(f"{callback.path}?{callback.query}")
    client.post("/tai-khoan/dang-xuat/")
    replay = client.get(f"{callback.path}?{callback.query}", follow=True)
    assert "_auth_user_id" not in client.session
    assert "không thành công" in replay.content.decode()


def test_password_login_still_works_with_sso_on(client, provider, citizen):
    response = client.post(
        "/tai-khoan/dang-nhap/", {"username": citizen.phone, "password": "Mat-khau-thu-nghiem-2026"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(citizen.pk)
