"""Format noise real files carry, applied to whole columns. None of it changes what a row means:
every ID stays usable after normalisation, every amount and date stays parseable.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from crosscheck.demo import names as N
from crosscheck.demo.rosters import PROGRAMS

_DIGITS = [str(i) for i in range(10)]
_FULL = [chr(0xFF10 + i) for i in range(10)]
# ID noise: apostrophe, spaces around, full-width digits, 15-digit legacy form, grouped with spaces
_ID_P = (0.015, 0.02, 0.006, 0.012, 0.006)


def _pick(rng: np.random.Generator, n: int, probs) -> pl.Series:
    """A category per row: index into probs, or len(probs) for 'none of them'."""
    return pl.Series(np.searchsorted(np.cumsum(probs), rng.random(n), side="right"))


def _subset(values: pl.Series, mask: np.ndarray, fn) -> pl.Series:
    """values with fn applied to the rows of mask only (fn: Series -> Series)."""
    idx = np.flatnonzero(mask)
    if not len(idx):
        return values
    return values.scatter(idx, fn(values.gather(idx)))


def ids(id18: pl.Series, birth: pl.Series, rng: np.random.Generator, rate: float = 1.0,
        lower_x: float = 0.35) -> pl.Series:
    """Raw ID strings: mostly as they are, some with the usual noise (rate scales it)."""
    n = len(id18)
    cat = _pick(rng, n, [p * rate for p in _ID_P]).to_numpy()
    low = (rng.random(n) < lower_x) & id18.str.ends_with("X").fill_null(False).to_numpy()
    year = birth.dt.year().to_numpy()
    legacy_ok = (year >= 1900) & (year <= 1999)
    out = _subset(id18, low, lambda s: s.str.replace("X", "x"))
    forms = {0: lambda s: "'" + s, 1: lambda s: " " + s + " ", 2: lambda s: s.str.replace_many(_DIGITS, _FULL),
             3: lambda s: s.str.slice(0, 6) + s.str.slice(8, 9),
             4: lambda s: s.str.slice(0, 6) + " " + s.str.slice(6, 8) + " " + s.str.slice(14)}
    for c, fn in forms.items():
        out = _subset(out, (cat == c) & (legacy_ok if c == 3 else True) & out.is_not_null().to_numpy(), fn)
    return out


def names(name: pl.Series, rng: np.random.Generator, *, spaced: float = 0.015, trad: float = 0.0,
          dots: tuple[str, ...] = N.DOT_VARIANTS) -> pl.Series:
    """Names with inner spaces, sometimes traditional characters, middle-dot variants."""
    n = len(name)
    ok = name.is_not_null().to_numpy()
    out = _subset(name, ok & (rng.random(n) < spaced), lambda s: N.spaced(s, rng))
    if trad:
        out = _subset(out, ok & (rng.random(n) < trad), N.to_traditional)
    dotted = ok & out.str.contains("·", literal=True).fill_null(False).to_numpy() & (rng.random(n) < 0.5)
    if dots:
        out = _subset(out, dotted, lambda s: N.dot_variants(s, rng, dots))
    return out


def amounts(amount: pl.Series, rng: np.random.Generator, styles: dict[str, float]) -> pl.Series:
    """'385', '385.00', '385元', '1,300' (thousands separator only from 1000 up)."""
    kinds = list(styles)
    cat = _pick(rng, len(amount), [styles[k] for k in kinds])
    whole = amount.round(0).cast(pl.Int64)
    plain = pl.when(amount == whole).then(whole.cast(pl.String)).otherwise(amount.round(2).cast(pl.String))
    forms = {"plain": plain, "dec": whole.cast(pl.String) + ".00", "yuan": plain + "元",
             "comma": pl.when(whole >= 1000).then((whole // 1000).cast(pl.String) + ","
                                                  + (whole % 1000).cast(pl.String).str.zfill(3)).otherwise(plain)}
    expr = plain
    for i, k in reversed(list(enumerate(kinds))):
        expr = pl.when(cat == i).then(forms[k]).otherwise(expr)
    return pl.select(pl.when(amount.is_null()).then(None).otherwise(expr)).to_series()


DATE_FORMATS = {"iso": "%Y-%m-%d", "slash": "%Y/%-m/%-d", "compact": "%Y%m%d", "cn": "%Y年%-m月%-d日"}


def dates(day: pl.Series, rng: np.random.Generator, styles: dict[str, float]) -> pl.Series:
    """Dates as text in a mix of the usual forms."""
    kinds = list(styles)
    cat = _pick(rng, len(day), [styles[k] for k in kinds])
    expr = day.dt.strftime(DATE_FORMATS[kinds[0]])
    for i, k in enumerate(kinds):
        expr = pl.when(cat == i).then(day.dt.strftime(DATE_FORMATS[k])).otherwise(expr)
    return pl.select(expr).to_series()


def accounts(account: pl.Series, rng: np.random.Generator, spaced: float = 0.03, dashed: float = 0.01) -> pl.Series:
    """Card numbers, some written in groups of four with spaces or dashes."""
    cat = _pick(rng, len(account), [spaced, dashed])
    groups = [account.str.slice(i, 4) for i in range(0, 19, 4)]

    def joined(sep: str) -> pl.Expr:
        out = groups[0]
        for g in groups[1:]:
            out = out + sep + g
        return out
    out = pl.when(cat == 0).then(joined(" ")).when(cat == 1).then(joined("-")).otherwise(account)
    return pl.select(out).to_series()


def labels(program: pl.Series, rng: np.random.Generator, alias: float = 0.08, code: float = 0.02) -> pl.Series:
    """Program labels: the Chinese label, sometimes an alias, rarely the code."""
    codes = list(PROGRAMS)
    label = program.replace_strict(codes, [PROGRAMS[c][0] for c in codes])
    other = program.replace_strict(codes, [PROGRAMS[c][1][0] for c in codes])
    cat = _pick(rng, len(program), [alias, code])
    return pl.select(pl.when(cat == 0).then(other).when(cat == 1).then(program).otherwise(label)).to_series()
