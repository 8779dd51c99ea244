"""Issue 16 (security, second pass): the small guarantees that need no running server.

Items with their own homes: 1 tests/webhooks/test_ssrf.py, 2 and 4 tests/test_auth.py,
5 and 6 tests/security/test_rights.py, 7 tests/api/test_stream_revocation.py, 10 and 11
tests/api/test_login.py, 13 and 14 tests/test_cli_security.py; cross-process limits
tests/ratelimit/.
"""

from __future__ import annotations

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response

from sochat.api.app import create_app
from sochat.auth.passwords import hash_password
from sochat.bootstrap import _redact, build_services
from sochat.config import Settings
from sochat.services.ports import Database
from sochat.storage.archive import SqlArchive
from sochat.storage.database import SqlDatabase
from sochat.storage.demo import load_demo
from sochat.storage.url import redact_url
from tests.api.conftest import SEED_AUTH

pytestmark = pytest.mark.anyio


@pytest.fixture
async def demo_db(db: SqlDatabase) -> SqlDatabase:
    await load_demo(db, hash_password)
    return db


async def test_non_ascii_xsrf_and_app_tokens_answer_401_not_500(demo_db: Database) -> None:
    """Item 12: compare_digest on non-ASCII str raised TypeError, answered 500."""
    settings = Settings.from_env({}, app_tokens=("token-1",))
    app = create_app(build_services(settings, demo_db, SqlArchive(demo_db)))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        r = await client.get(
            "/api/v1/ChatSession/default",
            headers={"X-XSRF-TOKEN": "ø".encode(), "Cookie": "SOCHAT_SESSION=7A:x"},
        )
        assert r.status_code == 401
        r = await client.get(
            "/api/v1/ChatSession/default",
            headers={"Authorization": SEED_AUTH, "SO-AppToken": "tøken".encode()},
        )
        assert r.status_code == 401


async def test_security_headers_are_on_500_answers_too(demo_db: Database) -> None:
    """Item 12: Starlette answers unhandled errors outside the middleware that adds them."""
    app = create_app(build_services(Settings.from_env({}), demo_db, SqlArchive(demo_db)))  # type: ignore[arg-type]

    async def boom(request: Request) -> Response:
        raise RuntimeError("a bug")

    app.add_route("/boom", boom)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        r = await client.get("/boom")
    assert r.status_code == 500
    assert "a bug" not in r.text
    for name, value in (
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
    ):
        assert r.headers.get(name) == value, (name, dict(r.headers))


def test_cors_origins_star_is_refused() -> None:
    """Item 15: '*' with credentials would let any site act for a signed-in user."""
    with pytest.raises(ValueError, match="'\\*'"):
        Settings.from_env({"SOCHAT_CORS_ORIGINS": "*"})
    with pytest.raises(ValueError, match="cors_origins"):
        Settings.from_env({"SOCHAT_CORS_ORIGINS": "https://ok.example, *"})
    assert Settings.from_env({"SOCHAT_CORS_ORIGINS": "https://ok.example"}).cors_origins == (
        "https://ok.example",
    )


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://app:S3cret-pw@db.example/sochat",
        "postgresql://db.example/sochat?password=S3cret-pw",
        "postgresql://app@db.example/sochat?sslmode=require&PASSWORD=S3cret-pw",
        "postgresql://db.example/sochat?sslpassword=S3cret-pw&user=app",
        "https://hooks.example/in?token=S3cret-pw&x=1",
    ],
)
def test_url_redaction_hides_passwords_in_the_query_too(url: str) -> None:
    """Item 15: the database URL logged at start-up leaked ``?password=``."""
    for shown in (redact_url(url), _redact(url)):
        assert "S3cret-pw" not in shown
        assert "db.example" in shown or "hooks.example" in shown
    assert "sslmode=require" in redact_url("postgresql://db/x?sslmode=require&password=p")
