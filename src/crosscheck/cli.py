"""The `crosscheck` command: run, demo and check a monthly pre-payment screening."""

from __future__ import annotations

import gc
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from crosscheck.errors import CrosscheckError
from crosscheck.progress import LazyConsole, Steps

app = typer.Typer(help="crosscheck: 救助资金发放前比对 (pre-payment cross-check of social-assistance rosters).",
                  no_args_is_help=True, add_completion=False,
                  pretty_exceptions_show_locals=False)  # locals may hold personal data
err = LazyConsole(stderr=True)
console = LazyConsole()


def _fail(e: CrosscheckError) -> None:
    from rich.markup import escape

    err.print(f"[bold red]error:[/] {escape(str(e))}", highlight=False, soft_wrap=True)
    raise typer.Exit(e.exit_code)


def _logging(quiet: bool) -> None:
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, format="%(message)s", stream=sys.stderr)


# set by `main`, the installed command, while it runs: the process ends when the command returns
_PROCESS_ENDS = False


@contextmanager
def _modules_frozen() -> Iterator[None]:
    """In the installed command, keep the modules loaded so far out of the cyclic garbage
    collector's walks (`gc.freeze`) and the collector off while a month is screened; at the end
    freeze those loaded during the run too (and what it left), and turn the collector back on.
    The modules live as long as the process, and each full collection (the interpreter's at exit
    among them) otherwise visits all of their ~50,000 objects, 35-80 ms each here; about 6% of a
    100k-roster run (benchmarks/RESULTS.md). The run itself makes little cyclic garbage (1,747
    objects in the whole 100k-roster run, by a collection after it), which its ~45 young
    collections (20-30 ms) walked tens of thousands of live objects to find. A caller in a
    longer-lived process (tests, `app()` from Python) keeps its collector as it was: nothing is
    frozen for it, nor unfrozen."""
    if not _PROCESS_ENDS:
        yield
        return
    gc.freeze()
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """In the installed command, no cyclic garbage collection while the engine's modules are
    imported, and those modules' objects frozen after (`_modules_frozen`): they live as long as the
    process, so the collections found nothing to free (about 40 ms of the start-up). In-process
    callers keep their collector as it is."""
    if not _PROCESS_ENDS or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()  # before collecting again: else the first collection walks them all
        gc.enable()


def _summary(result) -> None:
    """The run's counts on stdout as plain text (no markup, no wrapping): rich is not imported
    for them, 50 ms of the run's Python otherwise (the progress bars of a terminal import it)."""
    m = result.manifest
    lines = [f"{m['month']}: {m['cases']['total']} cases, {m['cases']['hold']} to hold "
             f"({m['totals']['rows_read']} rows read, {m['totals']['rows_rejected']} rejected)"]
    lines += [f"  {rule:<24} {n}" for rule, n in m["cases"]["by_rule"].items()]
    if "review" in m:
        lines.append("review states: " + ", ".join(f"{k} {v}" for k, v in m["review"].items()))
    lines.append(f"outputs in {result.out_dir}: cases.parquet hold_list.xlsx report.html rejects.parquet "
                 "components.json manifest.json")
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()


@app.command()
def run(
    config: Path = typer.Option(..., "--config", "-c", help="the month config (month.yaml)"),
    out_dir: Path = typer.Option(..., "--out", "-o", help="folder for the outputs"),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress output"),
    store: Path = typer.Option(None, "--store", help="a case store (review.db): carry decisions over, record the run"),
) -> None:
    """Screen one month: write cases, hold list, report, rejects and manifest into --out."""
    with _collector_paused():
        from crosscheck.pipeline import run_month

    _logging(quiet)
    try:
        with _modules_frozen(), Steps(interactive=None if not quiet else False) as steps:
            result = run_month(config, out_dir, steps=steps, store=store)
    except CrosscheckError as e:
        _fail(e)
    _summary(result)


@app.command()
def check(config: Path = typer.Option(..., "--config", "-c", help="the month config (month.yaml)")) -> None:
    """Validate the month config, the rules and every input file's header, without running."""
    from crosscheck.pipeline import check_month

    try:
        cfg, catalog = check_month(config)
    except CrosscheckError as e:
        _fail(e)
    console.print(f"{config}: OK: month {cfg.month}, {len(cfg.roster)} roster file(s), {len(cfg.sources)} source file(s), "
              f"{len(catalog.rules)} rules", soft_wrap=True, highlight=False)


@app.command()
def demo(
    out_dir: Path = typer.Option(Path("demo-out"), "--out", "-o", help="folder for the demo county and its outputs"),
    seed: int = typer.Option(2022, help="random seed of the synthetic county"),
    month: str = typer.Option("2022-12", help="the payment month (YYYY-MM)"),
    scale: float = typer.Option(1.0, help="county size relative to the seed county (50 = about 1M roster rows)"),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Generate the synthetic demo county into OUT/county and screen it into OUT/result."""
    with _collector_paused():
        from crosscheck.demo import generate_county
        from crosscheck.pipeline import run_month

    _logging(quiet)
    try:
        with _modules_frozen(), Steps(interactive=None if not quiet else False) as steps:
            with steps.stage("generate", "生成演示县数据"):
                config = generate_county(out_dir / "county", seed=seed, month=month, scale=scale)
            result = run_month(config, out_dir / "result", steps=steps)
    except CrosscheckError as e:
        _fail(e)
    console.print(f"demo county written to {config.parent} (planted cases in expected.csv)", soft_wrap=True)
    _summary(result)
    _against_the_answers(config.parent / "expected.csv", result.cases)


def _against_the_answers(expected_csv: Path, cases) -> None:
    """The demo knows its answers: how many planted cases were found, how many decoys flagged."""
    import polars as pl

    expected = pl.read_csv(expected_csv, infer_schema=False)
    found = cases.select("rule_id", "household_id").unique()
    planted = expected.filter(pl.col("kind") == "planted").select("rule_id", "household_id").unique()
    decoys = expected.filter(pl.col("kind") == "decoy").select("rule_id", "household_id").unique()
    hit = planted.join(found, on=["rule_id", "household_id"]).height
    false = decoys.join(found, on=["rule_id", "household_id"]).height
    console.print(f"against the planted answers: {hit} of {planted.height} planted cases found, "
                  f"{false} of {decoys.height} decoys flagged", soft_wrap=True)


@app.command()
def link(
    left: Path = typer.Argument(..., help="the first table (CSV, XLSX or Parquet)"),
    right: Path = typer.Argument(..., help="the second table"),
    config: Path = typer.Option(None, "--config", "-c",
                                help="link.yaml: column mappings, rules folder, threshold; or fields: and blocking: "
                                     "to link tables of any kind field by field (weights estimated by EM)"),
    out: Path = typer.Option(Path("pairs.parquet"), "--out", "-o", help="where to write the pairs"),
    all_pairs: bool = typer.Option(False, "--all-pairs", help="write every candidate pair, not only matches"),
) -> None:
    """Match the people of two tables (or, with fields: in link.yaml, the records of any two tables): scored,
    explained pairs into --out (Parquet)."""
    from crosscheck.link_tables import link_files, load_link_config

    try:
        pairs = link_files(left, right, load_link_config(config), all_pairs=all_pairs)
    except CrosscheckError as e:
        _fail(e)
    pairs.write_parquet(out, statistics=False)
    matched = int(pairs["is_match"].sum())
    of = f" of {pairs.height} candidates" if all_pairs else ""
    console.print(f"{matched} matched pairs{of} written to {out}", soft_wrap=True, highlight=False)


rules_app = typer.Typer(help="The rule catalog: list, check a county's edited copy, generate docs.",
                        no_args_is_help=True)
app.add_typer(rules_app, name="rules")


from crosscheck.review_cli import review_app, users_app  # noqa: E402

app.add_typer(review_app, name="review")
app.add_typer(users_app, name="users")


def _catalog(folder: Path | None):
    from crosscheck.catalog import load_catalog

    try:
        return load_catalog(folder)
    except CrosscheckError as e:
        _fail(e)


@rules_app.command("list")
def rules_list(folder: Path = typer.Option(None, "--rules", help="a rules folder (default: the packaged rules)")) -> None:
    """List the rules: id, version, severity, programs, title."""
    from rich.table import Table

    catalog = _catalog(folder)
    table = Table("rule", "version", "severity", "programs", "title")
    for r in catalog.rules.values():
        programs = r.programs if isinstance(r.programs, str) else ", ".join(r.programs)
        table.add_row(r.id, str(r.version), r.severity, programs, r.title)
    console.print(table)


@rules_app.command("check")
def rules_check(folder: Path = typer.Argument(..., help="the rules folder to validate")) -> None:
    """Validate a rules folder (a county's edited copy): one line, exit code 2 on the first error."""
    catalog = _catalog(folder)
    console.print(f"{folder}: OK: {len(catalog.programs)} programs, {len(catalog.rules)} rules", soft_wrap=True,
                  highlight=False)


@rules_app.command("docs")
def rules_docs(
    folder: Path = typer.Option(None, "--rules", help="a rules folder (default: the packaged rules)"),
    out: Path = typer.Option(None, "--out", "-o", help="write here instead of standard output (docs/rules.md)"),
) -> None:
    """The rule catalog as Markdown."""
    from crosscheck.rules_docs import rules_markdown

    text = rules_markdown(_catalog(folder))
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


def main() -> None:
    """The installed `crosscheck` command (and `python -m crosscheck`)."""
    global _PROCESS_ENDS
    _PROCESS_ENDS = True
    # numpy's OpenBLAS starts a thread per core that spins after start-up: 60-85 ms of CPU taken
    # from the config check in every run. Nothing here needs threaded BLAS (the keystroke tables'
    # matrix-vector products are memory-bound, and Polars keeps both cores busy), and the command
    # owns its process; a caller that sets the variable keeps its value
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # pydantic looks for plugins (an entry-point scan of every installed distribution, 8 ms here)
    # when the first model is built, in the critical path of every command; crosscheck uses none
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        app(prog_name="crosscheck")
    finally:  # called from Python instead (runpy, a test): later app() calls are in-process ones
        _PROCESS_ENDS = False
