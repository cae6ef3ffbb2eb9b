"""The monthly run: read -> normalise -> rules -> cases -> outputs. The only module that writes files."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import polars as pl

from crosscheck import __version__
from crosscheck.background import LATE_IMPORTS, OUTPUT_IMPORTS, FileHashes, warm_imports
from crosscheck.carry_over import carry_over
from crosscheck.cases import build_cases
from crosscheck.catalog import Catalog, load_catalog
from crosscheck.config import MonthConfig, load_month_config
from crosscheck.findings import ScreenContext
from crosscheck.graph_groups import groups_export, link_graph
from crosscheck.hold_list import write_hold_list
from crosscheck.prepare import Prepared, normalize_people, prepare_values
from crosscheck.progress import Steps
from crosscheck.read import forget_loaded_sheets, read_headers, read_table
from crosscheck.screen import GRAPH_RULES, ROSTER_PAIR_RULES, all_findings, run_rules
from crosscheck.tables import UNREAD_BY_RUN

T = TypeVar("T")
ROSTER_COLUMNS = {"household_id": pl.String, "town": pl.String, "village": pl.String, "amount": pl.Float64,
                  "relation": pl.String, "bank_account": pl.String, "cadre_relative_filed": pl.Boolean,
                  "payee_id": pl.String, "payee_name": pl.String}


@dataclass(frozen=True)
class RunResult:
    cases: pl.DataFrame
    rejects: pl.DataFrame
    manifest: dict
    out_dir: Path


def check_month(config_path: Path) -> tuple[MonthConfig, Catalog]:
    """Validate the config, the rules folder and every input's header; raises one-line errors."""
    config = load_month_config(config_path)
    catalog = load_catalog(config.resolve(config.rules) if config.rules else None)
    # two files at a time (an xlsx sheet is parsed whole, and fastexcel releases the GIL), the
    # workbooks first
    inputs = config.inputs()
    workbook = [str(spec.path).lower().endswith((".xlsx", ".xlsm")) for _, _, spec in inputs]
    try:
        for _ in two_at_a_time(lambda i: read_headers(config, *inputs[i]), len(inputs),
                               sorted(range(len(inputs)), key=lambda i: not workbook[i]), "crosscheck-check"):
            pass
    except BaseException:
        forget_loaded_sheets()  # the sheets the other checks kept for the read
        raise
    return config, catalog


def two_at_a_time(work: Callable[[int], T], n: int, start_order: list[int], name: str) -> Iterator[T]:
    """`work(i)` for i in range(n) on two threads, started in `start_order`; the results (and the
    first error) come in index order, and on an error (or Ctrl-C) the calls not yet started are
    not made."""
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix=name)
    try:
        futures = {i: pool.submit(work, i) for i in start_order}
        for i in range(n):
            yield futures[i].result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _stack(frames: list[pl.DataFrame], extra: dict[str, pl.DataType]) -> pl.DataFrame:
    """One frame of a table kind from its files, with a unique Int64 `_key` per row. The frame is
    rechunked: Polars 2.1 panics on string formatting over some multi-chunk string views
    ("assertion failed: i < self.len()", seen in age_mismatch on county-small for 2023-01)."""
    stacked = pl.concat(frames, how="diagonal_relaxed", rechunk=True)
    missing = [pl.lit(None, dtype=t).alias(c) for c, t in extra.items() if c not in stacked.columns]
    stacked = stacked.with_columns(missing) if missing else stacked
    return stacked.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("_key"))


# a file of this many rows has its ID numbers and names normalised on its own, as soon as it is
# read, beside the reading of the others; the smaller files' are normalised together at the end,
# where one pass over all their values saves each file's fixed cost (prepare.normalize_people)
ALONE_ROWS = 200_000

# table kinds whose names' keys (name_norm, name_pinyin) are computed only for the rows a step
# reaches (`normalize_name.with_name_keys`): 户籍 is read only by the household lookups
# (`household`), which reach a fifth of it, through the matching core, which completes them.
# Only `name` is keyed on demand: a kind with payee names (`payee_name_norm`) must not be added
NAME_KEYS_ON_DEMAND = ("household",)

def _id_quality(statuses: list[tuple[str, pl.DataFrame]]) -> pl.DataFrame:
    """Rows per file and ID status, from each file's label and `id_status` column (one query:
    the files' counts run in parallel)."""
    parts = [frame.lazy().group_by("id_status").agg(pl.len().alias("rows")).with_columns(pl.lit(label).alias("file"))
             for label, frame in statuses]
    return pl.concat(parts).select("file", "id_status", "rows").sort("file", "id_status").collect()


@contextmanager
def polars_engine() -> Iterator[None]:
    """Polars' in-memory engine for the queries of a run, unless POLARS_ENGINE_AFFINITY says
    otherwise (or this Polars has no engine setting). The run is hundreds of queries over frames
    that fit in memory; Polars 2's default ("auto") runs them about 10% slower in all (3.28 s
    against 3.60 s, best of 6 alternating runs of the 100k-roster county) and the streaming engine
    in between (3.51 s). The setting is process-wide: one run at a time (the CLI's `run`)."""
    if "POLARS_ENGINE_AFFINITY" in os.environ or not hasattr(pl.Config, "set_engine_affinity"):
        yield
        return
    with pl.Config(engine_affinity="in-memory"):
        yield


def run_month(config_path: Path, out_dir: Path, *, steps: Steps | None = None,
              store: Path | None = None) -> RunResult:
    """Screen one month and write cases.parquet, hold_list.xlsx, rejects.parquet, report.html,
    components.json (linked groups of households, for the review page) and manifest.json.

    With `store` (a review.db), earlier review decisions are carried over (carry_over.py) before the
    hold list is written, and the run's cases are recorded in the store."""
    with polars_engine():
        return _screen_month(config_path, out_dir, steps or Steps(interactive=False), store)


def _screen_month(config_path: Path, out_dir: Path, steps: Steps, store: Path | None) -> RunResult:
    warming = warm_imports(LATE_IMPORTS)  # while the config and headers are checked and the files read
    with steps.stage("check", "检查配置和文件"):
        config, catalog = check_month(config_path)
        case_store = None
        if store is not None:
            from crosscheck.store import Store

            case_store = Store.open(store)
    inputs = config.inputs()
    prepared: list[Prepared] = []
    def read_and_prepare(i: int) -> Prepared:
        key, kind, spec = inputs[i]
        table = read_table(config, key, kind, spec, extras=False, unread=UNREAD_BY_RUN.get(kind, ()))
        p = prepare_values(table, catalog)
        if p.frame.height < ALONE_ROWS:
            return p
        return dataclasses.replace(p, frame=normalize_people([p.frame], config.last_day,
                                                             [kind not in NAME_KEYS_ON_DEMAND])[0])

    with steps.stage("read_normalise", "读取并规范化数据", total=len(inputs)) as advance:
        # two files at a time, the largest first (户籍 would otherwise start last and finish
        # alone): much of a file's preparation is Python between Polars calls, which the other
        # file's Polars work overlaps; results (and the first error) in input order. A large
        # file's people are normalised in its own task, the other files' all at once at the end
        size = {i: config.resolve(spec.path).stat().st_size for i, (_, _, spec) in enumerate(inputs)}
        try:
            for p in two_at_a_time(read_and_prepare, len(inputs), sorted(size, key=lambda i: -size[i]),
                                   "crosscheck-read"):
                prepared.append(p)
                advance()
        finally:
            forget_loaded_sheets()
        rest = [i for i, p in enumerate(prepared) if p.frame.height < ALONE_ROWS]
        keyed = [prepared[i].table.kind not in NAME_KEYS_ON_DEMAND for i in rest]
        for i, frame in zip(rest, normalize_people([prepared[i].frame for i in rest], config.last_day, keyed)):
            prepared[i] = dataclasses.replace(prepared[i], frame=frame)
    roster = _stack([p.frame for p in prepared if p.table.kind == "roster"], ROSTER_COLUMNS)
    sources: dict[str, list[pl.DataFrame]] = {}
    for p in prepared:
        if p.table.kind != "roster":
            sources.setdefault(p.table.kind, []).append(p.frame)
    labels = [p.table.label for p in prepared]
    ctx = ScreenContext(first_day=config.first_day, last_day=config.last_day, catalog=catalog,
                        roster=roster.lazy(), sources={k: _stack(v, {}).lazy() for k, v in sources.items()},
                        distinct_files=len(set(labels)) == len(labels))
    rows_used = [p.frame.height for p in prepared]
    # the report's counts of ID statuses, on a thread while the graph runs (13-17 ms of the main
    # thread's otherwise: 户籍's 700k statuses)
    quality_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crosscheck-quality")
    id_quality_pending = quality_pool.submit(_id_quality, [(p.table.label, p.frame.select("id_status")) for p in prepared])
    quality_pool.shutdown(wait=False)
    del roster, sources, p  # the stacked copies are the ones used from here: free the per-file frames
    prepared = [dataclasses.replace(p, frame=p.frame.clear()) for p in prepared]
    # the manifest's input hashes, on a thread while the graph and the rules run (hashlib releases
    # the GIL; those stages leave part of a core idle); a failed run stops it after the current file
    hashes = FileHashes([p.table.path for p in prepared])
    warming_outputs = warm_imports(OUTPUT_IMPORTS, char_table=False)
    try:
        if any(r in catalog.rules for r in GRAPH_RULES):
            def roster_pairs() -> None:  # while the graph waits for its 户籍 lookup: 35-60 ms of the run
                if any(r in catalog.rules for r in ROSTER_PAIR_RULES):
                    ctx.matches("roster")

            with steps.stage("graph", "关联家庭图（账号、代领人、电话、住址）"):
                link_graph(ctx, meanwhile=roster_pairs)  # the one global step; the graph rules read it
        rule_timings: dict[str, float] = {}
        with steps.stage("rules", "运行比对规则", total=len(catalog.rules)) as advance:
            per_rule = run_rules(ctx, catalog, rule_timings, advance)
            groups = groups_export(ctx)
        with steps.stage("cases", "生成疑点案件"):
            cases = build_cases(all_findings(per_rule), catalog, config.month)
            rejects = pl.concat([p.rejects for p in prepared]).sort("file", "row")
            if case_store is not None:
                cases = carry_over(cases, case_store.current_states())
        with steps.stage("outputs", "写出结果"):
            from crosscheck.report import render_report

            out_dir.mkdir(parents=True, exist_ok=True)
            labels = {p.code: p.label for p in catalog.programs}
            titles = {r.id: r.title for r in catalog.rules.values()}
            cases.write_parquet(out_dir / "cases.parquet", statistics=False)
            rejects.write_parquet(out_dir / "rejects.parquet", statistics=False)
            (out_dir / "components.json").write_text(json.dumps(groups, ensure_ascii=False, indent=1), encoding="utf-8")
            n_hold = write_hold_list(cases, out_dir / "hold_list.xlsx", labels=labels, titles=titles, month=config.month)
            manifest = _manifest(config, catalog, prepared, rows_used, cases, n_hold, steps.timings, groups, hashes.result())
            (out_dir / "report.html").write_text(
                render_report(cases, manifest, labels=labels, titles=titles, id_quality=id_quality_pending.result(),
                              groups=groups, kind_labels={k: v.label for k, v in catalog.graph.links.items()}),
                encoding="utf-8")
        manifest["timings"] = {**steps.timings, **rule_timings}
        if case_store is not None:
            manifest["review"] = dict(sorted(cases.group_by("review_state").len().iter_rows()))
            case_store.record_run(cases, month=config.month, out_dir=out_dir.resolve(),
                                  summary={**{k: manifest[k] for k in ("county", "cases", "totals", "review")},
                                           "titles": titles, "labels": labels})
        (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        warming.join()  # long done by now; never left importing at exit
        warming_outputs.join()
        return RunResult(cases=cases, rejects=rejects, manifest=manifest, out_dir=out_dir)
    finally:
        hashes.stop()


def _manifest(config: MonthConfig, catalog: Catalog, prepared: list[Prepared], rows_used: list[int],
              cases: pl.DataFrame, n_hold: int, timings: dict, groups: dict, hashes: dict[Path, str]) -> dict:
    inputs = []
    for p, used in zip(prepared, rows_used):
        read, rejected = p.rows_read, p.rejects.height
        assert read == used + rejected, f"{p.table.label}: rows read != used + rejected"
        inputs.append({"key": p.table.key, "kind": p.table.kind, "path": p.table.label,
                       "sha256": hashes[p.table.path], "encoding": p.table.encoding,
                       "rows_read": read, "rows_used": used, "rows_rejected": rejected})
    graph_summary = {"groups": groups["total_groups"], "flagged_groups": groups["flagged_groups"],
                     "capped_identifiers": len(groups["capped"])}
    by_rule = dict(sorted(cases.group_by("rule_id").len().iter_rows())) if cases.height else {}
    return {
        "month": config.month,
        "county": config.county,
        "package_version": __version__,
        "rules_folder": str(catalog.folder),
        "rules": [{"id": r.id, "version": r.version, "severity": r.severity} for r in catalog.rules.values()],
        "inputs": inputs,
        "totals": {k: sum(i[k] for i in inputs) for k in ("rows_read", "rows_used", "rows_rejected")},
        "cases": {"total": cases.height, "hold": n_hold, "by_rule": by_rule},
        "graph": graph_summary,
        "timings": dict(timings),
    }
