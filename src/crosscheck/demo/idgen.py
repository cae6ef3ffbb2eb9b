"""Synthetic resident ID numbers (GB 11643): unique 17-digit bodies drawn for whole columns,
check characters, the region codes a 中方县 resident may carry, and the slips the matching core
must catch (a digit mistyped, two digits swapped, a wrong check character).

A body is held as an int64: region * 10**11 + yyyymmdd * 1000 + sequence.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from crosscheck.normalize_id import CHECK_CHARS, WEIGHTS, check_digit, to_15

COUNTY_CODE = 431221
# Born before 1998: the current code, the pre-1997 怀化地区 codes (433001 怀化市, 433021 黔阳县) and
# neighbours; born later: mostly the county's own code.
OLD_REGIONS = np.array([431221, 433001, 433021, 431202, 431281, 431224, 431222, 430521])
OLD_WEIGHTS = np.array([0.60, 0.14, 0.12, 0.04, 0.03, 0.03, 0.02, 0.02])
NEW_REGIONS = np.array([431221, 431202, 431281, 431224])
NEW_WEIGHTS = np.array([0.90, 0.04, 0.03, 0.03])
_CHECK = np.array(list(CHECK_CHARS))
_FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def ymd(births: np.ndarray) -> np.ndarray:
    """datetime64[D] -> int yyyymmdd."""
    y = births.astype("datetime64[Y]").astype(np.int64) + 1970
    mo = births.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (births - births.astype("datetime64[M]")).astype(np.int64) + 1
    return y * 10000 + mo * 100 + d


def years(births: np.ndarray) -> np.ndarray:
    return births.astype("datetime64[Y]").astype(np.int64) + 1970


def check_chars(bodies: np.ndarray) -> np.ndarray:
    total = np.zeros(len(bodies), dtype=np.int64)
    b = bodies.copy()
    for w in reversed(WEIGHTS):
        total += (b % 10) * w
        b //= 10
    return _CHECK[total % 11]


def id_series(bodies: np.ndarray) -> pl.Series:
    """The 18-character numbers of int64 bodies."""
    return pl.Series(bodies).cast(pl.String) + pl.Series(check_chars(bodies))


def pick_regions(rng: np.random.Generator, births: np.ndarray) -> np.ndarray:
    old = years(births) < 1998
    out = rng.choice(NEW_REGIONS, size=len(births), p=NEW_WEIGHTS)
    out[old] = rng.choice(OLD_REGIONS, size=int(old.sum()), p=OLD_WEIGHTS)
    return out


def _seq(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """Sequence numbers 001-999: odd for men, even for women."""
    return np.where(male, rng.integers(0, 500, len(male)) * 2 + 1, rng.integers(1, 500, len(male)) * 2)


class Registry:
    """Every body handed out so far: no two synthetic people ever share a number."""

    def __init__(self) -> None:
        self._used = np.empty(0, dtype=np.int64)
        self._pending: list[np.ndarray] = []

    def _flush(self) -> None:
        if self._pending:
            merged = np.concatenate([self._used, *(np.sort(p) for p in self._pending)])
            self._used = np.sort(merged, kind="stable")       # sorted runs: merged in linear time
            self._pending = []

    def taken(self, bodies: np.ndarray) -> np.ndarray:
        self._flush()
        if not len(self._used):
            return np.zeros(len(bodies), bool)
        idx = np.searchsorted(self._used, bodies).clip(0, len(self._used) - 1)
        return self._used[idx] == bodies

    def draw(self, rng: np.random.Generator, births: np.ndarray, male: np.ndarray,
             regions: np.ndarray | None = None) -> np.ndarray:
        """Fresh unique bodies for people with these birth dates and sexes."""
        if regions is None:
            regions = pick_regions(rng, births)
        base = regions.astype(np.int64) * 10**11 + ymd(births) * 1000
        body = base + _seq(rng, male)
        check = np.arange(len(body))                 # rows still to be checked
        while len(check):
            order = np.sort(body)
            lo = np.searchsorted(order, body[check], "left")
            hi = np.searchsorted(order, body[check], "right")
            bad = self.taken(body[check]) | (hi - lo > 1)
            if len(check) == len(body):              # first pass: keep one of each duplicate group
                _, first = np.unique(body, return_index=True)
                keep = np.zeros(len(body), bool)
                keep[first] = True
                bad &= ~keep | self.taken(body)
            check = check[bad]
            body[check] = base[check] + _seq(rng, male[check])
        self._pending.append(body)
        return body

    def reserve(self, rng: np.random.Generator, region: int, birth: dt.date, male: bool, *,
                check: str | None = None, seqs: tuple[int, ...] = ()) -> list[str]:
        """Fresh 18-digit numbers for one birth date: one per requested sequence number (`seqs`,
        e.g. twins' neighbouring numbers), or a single one whose check character is `check`."""
        base = region * 10**11 + int(birth.strftime("%Y%m%d")) * 1000
        while True:
            if seqs:
                start = int(rng.integers(0, 400)) * 2 + 1
                cand = [base + start + s for s in seqs]
            else:
                cand = [base + int(_seq(rng, np.array([male]))[0])]
            arr = np.array(cand, dtype=np.int64)
            if self.taken(arr).any():
                continue
            ids = [str(b) + check_digit(str(b)) for b in cand]
            if check and ids[0][17] != check:
                continue
            self._pending.append(arr)
            return ids


# --- single numbers, for planted cases ---------------------------------------------------------

def birth_of(id18: str) -> dt.date:
    return dt.datetime.strptime(id18[6:14], "%Y%m%d").date()


def legacy15(id18: str) -> str:
    return to_15(id18)


def fullwidth(s: str) -> str:
    return s.translate(_FULLWIDTH)


def typo(id18: str, pos: int = 15) -> str:
    """One digit mistyped (keeps the birth date when pos >= 14): the check then fails."""
    d = int(id18[pos])
    return id18[:pos] + str((d + 3) % 10) + id18[pos + 1:]


def swap(id18: str) -> str:
    """Two adjacent differing digits of the sequence or region part swapped."""
    for pos in (14, 15, 3, 4, 2, 1):
        if id18[pos] != id18[pos + 1]:
            return id18[:pos] + id18[pos + 1] + id18[pos] + id18[pos + 2:]
    raise ValueError(id18)


def bad_check(id18: str) -> str:
    """The same body with a wrong check character."""
    right = id18[17]
    wrong = next(c for c in "0123456789" if c != right and c != check_digit(id18[:17]))
    return id18[:17] + wrong


def one_keystroke(id18: str) -> set[str]:
    """Every number one keystroke away: one digit of the body replaced, or two adjacent swapped."""
    out: set[str] = set()
    for i in range(18):
        for c in "0123456789X" if i == 17 else "0123456789":
            if c != id18[i]:
                out.add(id18[:i] + c + id18[i + 1:])
    for i in range(17):
        if id18[i] != id18[i + 1]:
            out.add(id18[:i] + id18[i + 1] + id18[i] + id18[i + 2:])
    return out
