"""Person matching: candidates -> comparison levels -> match weights -> accepted pairs, explained.

`match_persons` is the one matching core: the monthly run uses it for every source kind and for
the roster against itself, and `crosscheck link` for any two tables of people. Input frames are
normalised person tables (see `prepare`) with a unique Int64 `_key`.
"""

from __future__ import annotations

import polars as pl

from crosscheck.candidates import BlockingExplosion, candidate_pairs
from crosscheck.compare import birth_level, id_edit, id_keystrokes, id_level, name_level, name_similarity
from crosscheck.normalize_name import with_name_keys
from crosscheck.scoring import MatchSettings, explain_matches, score

PERSON_COLUMNS = ("_key", "id", "id_status", "id_birth", "name", "name_norm", "name_pinyin")


def _person_side(frame: pl.DataFrame, positions: pl.Series, prefix: str) -> pl.DataFrame:
    """The pairs' records of one side, their columns prefixed; names' keys computed for these
    records where the table has none (`with_name_keys`)."""
    cols = [c for c in (*PERSON_COLUMNS, "birth_date") if c != "_key"]
    side = with_name_keys(frame.select(c for c in cols if c in frame.columns).gather(positions))
    cols = [c for c in cols if c in side.columns]
    return side.select(cols).rename({c: f"{prefix}_{c}" for c in cols})


def _person_columns(lf: pl.LazyFrame) -> pl.LazyFrame:
    schema = lf.collect_schema()  # once: resolving a plan's schema is not free
    return lf.select(c for c in (*PERSON_COLUMNS, "birth_date", "id_key") if c in schema)


def _materialise(lf: pl.LazyFrame) -> pl.DataFrame:
    """Only the person columns, computed once (blocking reads them several times)."""
    return _person_columns(lf).collect()


def _by_position(frame: pl.DataFrame) -> pl.LazyFrame:
    """The frame keyed by row position, so that candidate pairs fetch their records by `gather`."""
    return frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("_key")).lazy()


def compare_pairs(pairs: pl.DataFrame, left: pl.DataFrame, right: pl.DataFrame, settings: MatchSettings) -> pl.DataFrame:
    """Fetch both records of each candidate pair (`l_key`, `r_key` are row positions in `left` and
    `right`) and compute every field's level."""
    joined = pl.concat([pairs, _person_side(left, pairs["l_key"], "l"), _person_side(right, pairs["r_key"], "r")],
                       how="horizontal")
    joined = name_similarity(joined, settings.close_similarity)
    has_birth = "l_birth_date" in joined.columns and "r_birth_date" in joined.columns
    joined = id_keystrokes(joined).with_columns(id_level().alias("id_level"), name_level().alias("name_level"))
    if has_birth:
        joined = joined.with_columns(birth_level().alias("birth_level"))
    return joined.with_columns(id_edit().alias("id_edit")).drop("^_k1[58]_.*$")


def _blocked(left: pl.LazyFrame, right: pl.LazyFrame | None, settings: MatchSettings,
             prune: bool) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Both tables' person columns (computed at once: their normalisation runs in parallel) and
    their candidate pairs by row position; right=None links a table with itself."""
    if right is None:
        lframe = rframe = _materialise(left)
    else:
        lframe, rframe = pl.collect_all([_person_columns(left), _person_columns(right)])
    pairs = candidate_pairs(_by_position(lframe), None if right is None else _by_position(rframe),
                            max_pairs=settings.max_pairs_per_rule,
                            skip_valid_pairs=prune and settings.valid_pairs_settled(),
                            skip_legacy_keystrokes=prune and not settings.legacy_keystrokes_matter(_with_birth(lframe, rframe))
                            ).collect()
    return lframe, rframe, pairs


def _with_birth(lframe: pl.DataFrame, rframe: pl.DataFrame) -> bool:
    return "birth_date" in lframe.columns and "birth_date" in rframe.columns


def _fields_of(compared: pl.DataFrame) -> tuple[str, ...]:
    return ("id_number", "name") + (("birth_date",) if "birth_level" in compared.columns else ())


def _to_keys(pairs: pl.DataFrame, lframe: pl.DataFrame, rframe: pl.DataFrame) -> pl.DataFrame:
    """Row positions back to the tables' keys, in (l_key, r_key) order."""
    keys = pairs.with_columns(lframe["_key"].gather(pairs["l_key"]).alias("l_key"),
                              rframe["_key"].gather(pairs["r_key"]).alias("r_key"))
    return keys if _sorted_pairs(keys) else keys.sort("l_key", "r_key")


def matched_keys(left: pl.LazyFrame, right: pl.LazyFrame, settings: MatchSettings) -> pl.DataFrame:
    """Only who is who: the accepted (`l_key`, `r_key`) pairs of `match_persons(left, right)`, for
    lookups such as the roster's persons in 户籍. Where the weights settle it
    (`MatchSettings.exact_ids_settled`: the same number outweighs any disagreement of the other
    fields), the pairs blocked by the same ID number are accepted without comparing their fields:
    in such a lookup nearly every pair is one, and comparing them was most of its time."""
    lframe, rframe, pairs = _blocked(left, right, settings, prune=True)
    settled = (pairs["blocked_by"] == "id_exact") & settings.exact_ids_settled(_with_birth(lframe, rframe))
    compared = compare_pairs(pairs.filter(~settled), lframe, rframe, settings)
    scored = score(compared.lazy(), settings, _fields_of(compared), only_matches=True, explain=False).collect()
    found = pl.concat([pairs.filter(settled).select("l_key", "r_key"), scored.select("l_key", "r_key")])
    return _to_keys(found, lframe, rframe)


def match_persons(
    left: pl.LazyFrame, right: pl.LazyFrame | None, settings: MatchSettings, *, only_matches: bool = True,
    explain: bool = True, prune: bool | None = None,
) -> pl.DataFrame:
    """Scored, explained pairs (`l_key`, `r_key`, levels, weights, `match_weight`, `is_match`,
    `match_explanation`, `blocked_by`); right=None links a table with itself. `explain=False` leaves
    the words out (for lookups that only need who is who, such as roster persons in 户籍). `prune`
    (default: when only matches are asked for and the weights allow it) skips name+birth pairs of two valid numbers
    (`candidate_pairs(skip_valid_pairs=)`); the accepted pairs are the same either way."""
    lframe, rframe, pairs = _blocked(left, right, settings, prune=only_matches if prune is None else prune)
    compared = compare_pairs(pairs, lframe, rframe, settings)
    scored = score(compared.lazy(), settings, _fields_of(compared), only_matches=only_matches, explain=explain).collect()
    return _to_keys(scored, lframe, rframe)


def _sorted_pairs(pairs: pl.DataFrame) -> bool:
    """Pairs already in (l_key, r_key) order: blocking returns them by row position, and tables
    keyed in row order (the usual case) keep that order, so a million-pair sort is skipped."""
    dl, dr = pairs["l_key"].diff(), pairs["r_key"].diff()
    return bool(((dl > 0) | ((dl == 0) & (dr > 0))).fill_null(True).all())


STACK_ALONE_ROWS = 100_000


def match_many(left: pl.LazyFrame, rights: dict[str, pl.LazyFrame], settings: MatchSettings, *,
               explain: bool | set[str] = True) -> dict[str, pl.DataFrame]:
    """`match_persons(left, right)` for several right tables at once: the accepted pairs of each,
    as if matched one by one (blocking and scoring look at one pair at a time), from one blocking
    pass over `left` instead of one per table. Tables with the same person columns are stacked
    (each row keeps its table's `_key`); where the stack would pass `max_pairs_per_rule`, which is a
    limit per table, they are matched one by one (and a table over it alone raises, as it would
    alone). `explain` says which tables' pairs get explanations."""
    out: dict[str, pl.DataFrame] = {}
    frames = dict(zip(rights, pl.collect_all([_person_columns(lf) for lf in rights.values()])))
    lframe = _materialise(left)
    n_left, left = lframe.height, lframe.lazy()
    groups: dict[tuple[str, ...], list[str]] = {}
    for label, frame in frames.items():
        # a large table (say 户籍) larger than the left one is matched alone: its own size
        # dominates its blocking, and stacking would copy it. Smaller ones are stacked whatever
        # the left's size: a pass saved is 30-40 ms, a copy of 10,000 rows nothing
        alone = frame.height > max(n_left, STACK_ALONE_ROWS)
        groups.setdefault((label,) if alone else tuple(frame.columns), []).append(label)

    def wanted(label: str) -> bool:
        return explain if isinstance(explain, bool) else label in explain

    for labels in groups.values():
        if len(labels) == 1:
            out[labels[0]] = match_persons(left, frames[labels[0]].lazy(), settings, explain=wanted(labels[0]))
            continue
        stacked = pl.concat([frames[lb].with_columns(pl.lit(i, pl.Int32).alias("_table"))
                             for i, lb in enumerate(labels)])
        tables, keys = stacked["_table"], stacked["_key"]
        position = stacked.drop("_table").with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("_key"))
        try:
            scored = match_persons(left, position.lazy(), settings, explain=False)
        except BlockingExplosion:  # the limit is per table: the stacked blocks may pass it together only
            for label in labels:
                out[label] = match_persons(left, frames[label].lazy(), settings, explain=wanted(label))
            continue
        table = tables.gather(scored["r_key"])
        scored = scored.with_columns(keys.gather(scored["r_key"]).alias("r_key"))
        for i, label in enumerate(labels):
            pairs = scored.filter(table == i)
            pairs = pairs if _sorted_pairs(pairs) else pairs.sort("l_key", "r_key")
            out[label] = explain_matches(pairs.lazy(), settings, _fields_of(pairs)).collect() if wanted(label) else pairs
    return {label: out[label] for label in rights}
