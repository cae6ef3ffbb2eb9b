"""ID numbers one keystroke away: the few valid numbers a mistyped number could have been.

GB 11643's check character catches every single wrong digit and every swap of two adjacent
different digits, so a number whose check fails was almost always typed from a valid number one
keystroke away. There are few of those: at most 9 substitutions per body position (about 1 in 11
of which passes the check), one corrected check character, and 17 adjacent swaps. Generating them
and joining exactly is far cheaper than comparing strings pairwise, and it finds every such pair.

A 15-digit legacy number has no check character; its one-keystroke neighbours (substitutions and
swaps in its 15 digits) are generated too and converted to 18 digits, so a mistyped legacy number
can still meet its 18-digit form.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from crosscheck.normalize_id import CHECK_CHARS, WEIGHTS

_W = np.array(WEIGHTS, dtype=np.int64)
_INV_W = np.array([pow(int(w), -1, 11) for w in WEIGHTS], dtype=np.int64)  # inverses mod 11

NEIGHBOUR_SCHEMA = {"id": pl.String, "neighbour": pl.String, "edit": pl.String}
KEY18_SCHEMA = {"id": pl.String, "neighbour_key": pl.Int64}
KEY15_SCHEMA = {"id_key": pl.Int64, "neighbour_key": pl.Int64}


def _digits(ids: list[str], width: int) -> np.ndarray:
    raw = np.frombuffer("".join(ids).encode("ascii"), dtype=np.uint8).reshape(len(ids), width)
    return raw.astype(np.int64) - 48


def _chars(values: list[str], width: int) -> np.ndarray:
    return np.frombuffer("".join(values).encode("ascii"), dtype=np.uint8).reshape(len(values), width)


# the edits neighbours18 tries, in order: 17 body substitutions, the check character, 17 swaps
_EDITS18 = [f"substitution@{p + 1}" for p in range(18)] + [f"swap@{p + 1}" for p in range(17)]


def _neighbour_frame(values: list[str], rows: np.ndarray, source: np.ndarray, edit: np.ndarray,
                     as_keys: bool) -> pl.DataFrame:
    """Neighbours (`rows`, an 18-character matrix) of `values[source]` by edit `_EDITS18[edit]`,
    as strings (`id`, `neighbour`, `edit`), or for joins with the neighbour as an integer (`id`,
    `neighbour_key`: its `id_key`)."""
    if not len(rows):
        return pl.DataFrame(schema=KEY18_SCHEMA if as_keys else NEIGHBOUR_SCHEMA)
    rows = np.ascontiguousarray(rows)
    typed = pl.Series("id", values, dtype=pl.String).gather(source)  # stays text: it may hold an X out of place
    if as_keys:
        return pl.DataFrame([typed, pl.Series("neighbour_key", _keys(rows))])
    return pl.DataFrame([typed, pl.Series("neighbour", rows.view("S18").ravel()).cast(pl.String),
                         pl.Series("edit", _EDITS18, dtype=pl.String).gather(edit)])


_CHECK_INDEX = np.zeros(256, dtype=np.int64)
_CHECK_INDEX[np.frombuffer(CHECK_CHARS.encode("ascii"), dtype=np.uint8)] = np.arange(11)
_POWERS = 10 ** np.arange(16, -1, -1, dtype=np.int64)


def _keys(matrix18: np.ndarray) -> np.ndarray:
    """Int64 keys of 18-character number matrices: body * 11 + the check character's index.
    The body's two halves (9 and 8 digits) are exact in float64, so BLAS does the products."""
    digits = matrix18[:, :17].astype(np.float64) - 48
    high = (digits[:, :9] @ _POWERS[:9].astype(np.float64) / 10**8).astype(np.int64)
    low = (digits[:, 9:] @ _POWERS[9:].astype(np.float64)).astype(np.int64)
    return (high * 10**8 + low) * 11 + _CHECK_INDEX[matrix18[:, 17]]


def id_key(col: pl.Expr) -> pl.Expr:
    """The same Int64 key for an 18-character number column (null for anything else): joins on
    integers are several times cheaper than on strings."""
    check = col.str.slice(17, 1).replace_strict({c: i for i, c in enumerate(CHECK_CHARS)}, default=None,
                                                 return_dtype=pl.Int64)
    body = pl.when(col.str.contains(r"^[0-9]{17}[0-9X]$")).then(col.str.slice(0, 17).cast(pl.Int64, strict=False))
    return body * 11 + check


def _distinct(ids: pl.Series, pattern: str) -> list[str]:
    if ids.len() == 0:  # most calls of a run (a side without mistyped numbers): no Polars work
        return []
    values = ids.drop_nulls().unique().sort()
    return values.filter(values.str.contains(pattern)).to_list()


def neighbours18(ids: pl.Series, *, as_keys: bool = False) -> pl.DataFrame:
    """Valid 18-character numbers one keystroke from each distinct 18-character value of `ids`.

    Columns `id`, `neighbour`, `edit` (`substitution@N`, `swap@N`, N 1-based). Substitutions of a
    body digit are solved arithmetically: the weighted sum must move to the check character's
    remainder, and since every weight is invertible mod 11 exactly one digit value does that at a
    given position (kept when it is 0-9 and differs from the typed one). The check character can
    be the wrong one itself, and any two adjacent characters can be swapped. Only candidates with
    a real birth date are kept. A valid number has no valid neighbour, so it yields no rows.
    With `as_keys`, the neighbours come as Int64 keys (`id_key`) in `neighbour_key`.
    """
    values = _distinct(ids, r"^[0-9X]{18}$")  # an X swapped into the body is one keystroke too
    if not values:
        return pl.DataFrame(schema=KEY18_SCHEMA if as_keys else NEIGHBOUR_SCHEMA)
    full = _chars(values, 18)
    rows, sources, edits = [], [], []
    for start in range(0, len(values), _CHUNK):
        part = full[start:start + _CHUNK]
        candidates, kept = _candidates18(part)
        rows.append(candidates[kept])
        edits.append(kept // len(part))
        sources.append(kept % len(part) + start)
    source, edit = np.concatenate(sources), np.concatenate(edits)
    order = np.lexsort((source, edit))  # edit by edit, numbers in order, whatever the chunks
    return _neighbour_frame(values, np.concatenate(rows)[order], source[order], edit[order], as_keys)


_CHUNK = 256  # numbers per batch of candidates (35 x 256 x 18 bytes: the arrays stay in cache)


def _candidates18(full: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every one-keystroke edit of each 18-character number (rows of `full`) as a flat
    (edit x number) candidate matrix, and the flat indices of the candidates that are valid
    numbers with a real birth date: the 17 body substitutions, the check character, the 17
    adjacent swaps, all at once (one array operation per step instead of one per position)."""
    n = len(full)
    body = full[:, :17].astype(np.int64) - 48
    letters = body > 9  # an X in the body: only replacing that one character can make it valid
    n_letters = letters.sum(axis=1)
    numeric_body = n_letters == 0
    body = np.where(letters, 0, body)
    target = _CHECK_INDEX[full[:, 17]]  # the remainder the typed check character stands for
    total = body @ _W
    pos = np.arange(17)
    cand = np.repeat(full[None], 35, axis=0)
    # a body substitution: the weighted sum must move to the check character's remainder, and
    # every weight being invertible mod 11, exactly one digit value does that at a position
    d = (body + ((target - total)[:, None] * _INV_W[None, :])) % 11  # (number, position)
    cand[pos, :, pos] = (np.minimum(d.T, 9) + 48).astype(np.uint8)
    keep = np.zeros((35, n), dtype=bool)
    keep[:17] = ((numeric_body[None] & (d.T != body.T)) | ((n_letters == 1)[None] & letters.T)) & (d.T <= 9)
    right = _CHARS[total % 11]
    cand[17, :, 17] = right
    keep[17] = numeric_body & (right != full[:, 17])
    cand[18 + pos, :, pos], cand[18 + pos, :, pos + 1] = full[:, pos + 1].T, full[:, pos].T
    swapped = cand[18:]
    digits_ok = (swapped[:, :, :17] <= 57).all(axis=2)  # an X moved into the body is not a number
    sums = (np.minimum(swapped[:, :, :17].astype(np.int64) - 48, 9) @ _W) % 11
    keep[18:] = (full[:, pos] != full[:, pos + 1]).T & digits_ok & (_CHARS[sums] == swapped[:, :, 17])
    flat = cand.reshape(35 * n, 18)
    keep &= _dated18(flat).reshape(35, n)
    return flat, np.flatnonzero(keep.ravel())


_CHARS = np.frombuffer(CHECK_CHARS.encode("ascii"), dtype=np.uint8)


_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _real_dates(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_ok = (month >= 1) & (month <= 12)
    last = _DAYS[np.clip(month, 0, 12)] + ((month == 2) & leap)
    return month_ok & (year >= 1) & (day >= 1) & (day <= last)


# weights of the 15 legacy digits inside the 17-digit body (19 is inserted after the region code)
_W15 = np.array(WEIGHTS[:6] + WEIGHTS[8:], dtype=np.int64)
_W_CENTURY = 1 * WEIGHTS[6] + 9 * WEIGHTS[7]
_P15 = 10 ** np.arange(14, -1, -1, dtype=np.int64)


def neighbours15(ids: pl.Series, *, as_keys: bool = False) -> pl.DataFrame:
    """18-digit forms of the 15-digit numbers one keystroke from each distinct 15-digit value.

    A legacy number has no check character, so every substitution and adjacent swap with a real
    birth date is a candidate (about 130 per number); `edit` positions refer to the 15 digits.
    Each edit is applied arithmetically to the number held as an integer, and so is its effect on
    the 18-digit form's weighted sum: no strings and no digit matrices per candidate. With
    `as_keys`: `id_key` (the legacy number as an integer) and `neighbour_key`.
    """
    values = _distinct(ids, r"^[0-9]{15}$")
    if not values:
        return pl.DataFrame(schema=KEY15_SCHEMA if as_keys else NEIGHBOUR_SCHEMA)
    v = pl.Series(values).cast(pl.Int64).to_numpy()
    digits = (v[:, None] // _P15) % 10
    base_sum = digits @ _W15 + _W_CENTURY
    rows = np.arange(len(v))
    edits: list[tuple[np.ndarray, np.ndarray, np.ndarray, str]] = []
    for pos in range(15):
        for d in range(10):
            delta = d - digits[:, pos]
            edits.append((delta != 0, v + delta * _P15[pos], base_sum + delta * _W15[pos], f"substitution@{pos + 1}"))
    for pos in range(14):
        a, b = digits[:, pos], digits[:, pos + 1]
        number = v + (b - a) * _P15[pos] + (a - b) * _P15[pos + 1]
        edits.append((a != b, number, base_sum + (b - a) * _W15[pos] + (a - b) * _W15[pos + 1], f"swap@{pos + 1}"))
    keep = [ok & _dated15(number) for ok, number, _, _ in edits]
    source = np.concatenate([rows[k] for k in keep])
    number = np.concatenate([e[1][k] for e, k in zip(edits, keep)])
    total = np.concatenate([e[2][k] for e, k in zip(edits, keep)])
    body17 = (number // 10**9) * 10**11 + 19 * 10**9 + number % 10**9
    key = body17 * 11 + total % 11  # the check character's index in CHECK_CHARS is the remainder
    if as_keys:
        return pl.DataFrame({"id_key": v[source], "neighbour_key": key})
    edit = np.concatenate([np.full(int(k.sum()), i) for i, k in enumerate(keep)])
    text = pl.Series(body17).cast(pl.String).str.zfill(17) + pl.Series(_CHARS[total % 11].view("S1")).cast(pl.String)
    return pl.DataFrame([pl.Series("id", values, dtype=pl.String).gather(source), text.alias("neighbour"),
                         pl.Series("edit", [e[3] for e in edits], dtype=pl.String).gather(edit)])


def _dated15(number: np.ndarray) -> np.ndarray:
    """Legacy numbers (as integers) whose YYMMDD is a real date in the 1900s."""
    yymmdd = (number // 1000) % 10**6
    return (number >= 0) & _real_dates(1900 + yymmdd // 10**4, (yymmdd // 100) % 100, yymmdd % 100)


def _dated18(cand: np.ndarray) -> np.ndarray:
    """Rows of 18-character matrices whose YYYYMMDD is a real date (an X in it is not)."""
    d = np.minimum(cand[:, 6:14].astype(np.int64) - 48, 99)
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    return (cand[:, 6:14] <= 57).all(axis=1) & _real_dates(year, d[:, 4] * 10 + d[:, 5], d[:, 6] * 10 + d[:, 7])


def one_keystroke(a: str, b: str) -> str | None:
    """`substitution@N` or `swap@N` (1-based position) when two equal-length strings differ by one
    keystroke, else None. Plain Python, for explanations and tests."""
    if len(a) != len(b) or a == b:
        return None
    diff = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
    if len(diff) == 1:
        return f"substitution@{diff[0] + 1}"
    if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]:
        return f"swap@{diff[0] + 1}"
    return None
