"""`crosscheck review` (the review server) and `crosscheck users` (who may log in to it)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from crosscheck.errors import CrosscheckError
from crosscheck.progress import LazyConsole

review_app = typer.Typer(help="The inspectors' review web page on a case store (review.db).", no_args_is_help=True)
users_app = typer.Typer(help="Users of the review page: add, list, remove.", no_args_is_help=True)
err = LazyConsole(stderr=True)
console = LazyConsole()

STORE = typer.Option(..., "--store", help="the case store (review.db) written by `crosscheck run --store`")


def _fail(e: CrosscheckError) -> None:
    from rich.markup import escape

    err.print(f"[bold red]error:[/] {escape(str(e))}", highlight=False, soft_wrap=True)
    raise typer.Exit(e.exit_code)


def _open(store: Path, *, create: bool = False):
    from crosscheck.store import Store

    try:
        return Store.open(store, create=create)
    except CrosscheckError as e:
        _fail(e)


@review_app.command("serve")
def serve(
    store: Path = STORE,
    host: str = typer.Option("127.0.0.1", help="address to listen on (0.0.0.0: every interface)"),
    port: int = typer.Option(8000, help="port to listen on"),
    secure_cookies: bool = typer.Option(True, "--secure-cookies/--insecure-cookies",
                                        help="send the session cookie over HTTPS only; --insecure-cookies for "
                                             "plain http on an intranet"),
) -> None:
    """Serve the review page: case list, case pages, decisions, exports."""
    import uvicorn

    from crosscheck.review_web import create_app

    app = create_app(_open(store), cookie_secure=secure_cookies)
    console.print(f"review page on http://{host}:{port}/ (store {store})", highlight=False, soft_wrap=True)
    # access logs carry case ids only (no personal data in URLs), but keep them quiet by default
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="the login name"),
    role: str = typer.Option("inspector", "--role", help="inspector | supervisor | viewer"),
    store: Path = STORE,
    password_stdin: bool = typer.Option(False, "--password-stdin", help="read the password from standard input"),
) -> None:
    """Add a user (or set an existing user's role and password)."""
    from crosscheck.users import add_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        add_user(_open(store, create=True), name, role, password)
    except CrosscheckError as e:
        _fail(e)
    console.print(f"user {name} saved ({role})", highlight=False)


@users_app.command("list")
def users_list(store: Path = STORE) -> None:
    """List the users and their roles."""
    from crosscheck.users import list_users

    for u in list_users(_open(store)):
        typer.echo(f"{u['name']}\t{u['role']}\t{u['created_at']}")


@users_app.command("remove")
def users_remove(name: str = typer.Argument(...), store: Path = STORE) -> None:
    """Remove a user (their decisions stay in the log)."""
    from crosscheck.users import remove_user

    try:
        remove_user(_open(store), name)
    except CrosscheckError as e:
        _fail(e)
    console.print(f"user {name} removed", highlight=False)
