"""`crosscheck users` and `crosscheck review`: one-line errors with exit code 2, passwords hashed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import COUNTY
from typer.testing import CliRunner

from crosscheck.cli import app


def _invoke(*args: str, input: str | None = None):
    return CliRunner().invoke(app, list(args), input=input)


def test_users_add_list_remove(tmp_path: Path) -> None:
    store = tmp_path / "review.db"
    result = _invoke("users", "add", "王芳", "--role", "supervisor", "--store", str(store), "--password-stdin",
                     input="a-long-password\n")
    assert result.exit_code == 0, result.output
    with sqlite3.connect(store) as conn:
        (hashed,) = conn.execute("SELECT password_hash FROM users WHERE name = '王芳'").fetchone()
    assert hashed.startswith("$argon2") and "a-long-password" not in hashed
    assert "王芳\tsupervisor" in _invoke("users", "list", "--store", str(store)).output
    prompted = _invoke("users", "add", "李明", "--store", str(store), input="another-password\nanother-password\n")
    assert prompted.exit_code == 0 and "inspector" in prompted.output
    assert _invoke("users", "remove", "李明", "--store", str(store)).exit_code == 0
    assert "李明" not in _invoke("users", "list", "--store", str(store)).output


def test_one_line_errors(tmp_path: Path) -> None:
    store = tmp_path / "review.db"
    for args, input, message in [
        (("users", "add", "x", "--role", "boss", "--store", str(store), "--password-stdin"), "a-long-password\n",
         "role 'boss'"),
        (("users", "add", "x", "--store", str(store), "--password-stdin"), "short\n", "password too short"),
        (("users", "remove", "nobody", "--store", str(store)), None, "no such user"),
        (("review", "serve", "--store", str(tmp_path / "missing.db")), None, "no such case store"),
        (("run", "--config", str(COUNTY / "month.yaml"), "--out", str(tmp_path / "out"), "-q",
          "--store", str(tmp_path / "no-folder" / "review.db")), None, "does not exist"),
    ]:
        result = _invoke(*args, input=input)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output and len(result.output.strip().splitlines()) <= 2, result.output
    assert not (tmp_path / "out").exists()  # the store is checked before any work
