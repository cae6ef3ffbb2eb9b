"""The installed `crosscheck` command's entry point (and `python -m crosscheck`): `cli.main`, with
the command-line modules imported while the cyclic garbage collector is paused, and frozen.

typer, and the parts of pydantic that typer's option parsing imports, create tens of thousands of
objects that live as long as the process. With the collector running, their import set off about
60 collections that found nothing to free (20-25 ms of every command's start-up); frozen
(`gc.freeze`), later collections skip them. `cli` pauses it again for the engine's modules.
Importing `crosscheck.cli` from Python (tests, scripts) changes nothing about the collector.
"""

from __future__ import annotations

import gc


def main() -> None:
    gc.disable()
    try:
        from crosscheck import cli
        from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, TypeAdapter  # noqa: F401  (typer's)
    finally:
        gc.freeze()
        gc.enable()
    cli.main()
