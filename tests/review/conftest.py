"""Shared set-up for the review tests: a case store filled by a real `crosscheck run --store` of
fixtures/county-small, with one user per role added through `crosscheck users add`."""

from __future__ import annotations

import re
import shutil
import sys
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crosscheck.cli import app

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))  # helpers shared with the other tests (browser_support)
COUNTY = ROOT / "fixtures" / "county-small"
PASSWORD = "correct-horse-7"
USERS = {"insp": "inspector", "boss": "supervisor", "look": "viewer"}


def run_county(config: Path, out: Path, store: Path) -> None:
    result = CliRunner().invoke(app, ["run", "--config", str(config), "--out", str(out), "--quiet",
                                      "--store", str(store)])
    assert result.exit_code == 0, result.output


def add_users(store: Path) -> None:
    for name, role in USERS.items():
        result = CliRunner().invoke(app, ["users", "add", name, "--role", role, "--store", str(store),
                                          "--password-stdin"], input=PASSWORD + "\n")
        assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def filled_store(tmp_path_factory) -> Path:
    """review.db after one run of the county; copy it before changing it (fresh_store)."""
    base = tmp_path_factory.mktemp("review-base")
    store = base / "review.db"
    run_county(COUNTY / "month.yaml", base / "out", store)
    add_users(store)
    return store


@pytest.fixture
def fresh_store(filled_store: Path, tmp_path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        src = Path(str(filled_store) + suffix)
        if src.exists():
            shutil.copy(src, tmp_path / ("review.db" + suffix))
    return tmp_path / "review.db"


def client_for(store_path: Path, user: str | None):
    """A TestClient on the real app, logged in as `user` through the login form (None: anonymous)."""
    from crosscheck.review_web import create_app
    from crosscheck.store import Store

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*httpx.*")  # starlette would rather have httpx2
        from starlette.testclient import TestClient

        client = TestClient(create_app(Store.open(store_path)), base_url="https://testserver")
    if user is not None:
        page = client.get("/login")
        token = csrf_of(page.text)
        response = client.post("/login", data={"csrf": token, "username": user, "password": PASSWORD},
                               follow_redirects=False)
        assert response.status_code == 303, response.text
    return client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)
