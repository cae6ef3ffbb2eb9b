"""Match weights: each field's level adds its weight (a log2 Bayes factor, Fellegi-Sunter style);
a pair whose total reaches the threshold is the same person. Weights and threshold are data
(rules/matching.yaml). Every scored pair carries its waterfall in words: each field's level, the
weight it added and the total against the threshold."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from pydantic import BaseModel, ConfigDict, model_validator

from crosscheck.levels import BIRTH_LEVELS, ID_LEVELS, NAME_LEVELS
from crosscheck.errors import load_settings_file

LEVELS = {"id_number": ID_LEVELS, "name": NAME_LEVELS, "birth_date": BIRTH_LEVELS}
LEVEL_COLUMNS = {"id_number": "id_level", "name": "name_level", "birth_date": "birth_level"}

WORDS = {
    "id_number": {
        "null": "身份证号码缺失或无法比对",
        "exact": "身份证号码一致",
        "legacy15": "身份证号码一致（15位旧号码转换为18位后）",
        "keystroke_checked": "身份证号码{edit}，一方号码校验不通过（一个按键的录入错误）",
        "keystroke_legacy": "15位旧号码{edit}（旧号码无校验码）",
        "twin_or_neighbour": "出生日期和地区码相同而顺序码不同（双胞胎或同日出生的另一人）",
        "different": "身份证号码不同",
    },
    "name": {
        "null": "姓名缺失", "exact": "姓名一致", "normalized": "姓名规范化后一致（空格、繁简或间隔点）",
        "pinyin": "姓名同音（拼音相同）", "close": "姓名相近", "different": "姓名不同",
    },
    "birth_date": {"null": "出生日期缺失", "exact": "出生日期一致", "different": "出生日期不同"},
}


class MatchSettings(BaseModel):
    """rules/matching.yaml"""

    model_config = ConfigDict(extra="forbid")

    version: int
    threshold: float
    max_pairs_per_rule: int = 20_000_000
    close_similarity: float = 0.9
    fields: dict[str, dict[str, float]]

    @model_validator(mode="before")
    @classmethod
    def _null_keys(cls, data):
        """YAML reads an unquoted `null:` key as None; it names the null level."""
        if isinstance(data, dict) and isinstance(data.get("fields"), dict):
            data = {**data, "fields": {f: ({("null" if k is None else k): v for k, v in lv.items()}
                                           if isinstance(lv, dict) else lv) for f, lv in data["fields"].items()}}
        return data

    def valid_pairs_settled(self) -> bool:
        """True when two different valid 18-digit numbers (a twin's or anyone else's) can never be
        outweighed: the best such pair, with names and birth dates agreeing, stays below the threshold."""
        ids = self.fields["id_number"]
        best = max(ids["twin_or_neighbour"], ids["different"]) + max(self.fields["name"].values()) + max(
            self.fields.get("birth_date", {"null": 0.0}).values())
        return best < self.threshold

    def exact_ids_settled(self, with_birth: bool) -> bool:
        """True when the same ID number is a match whatever the other fields say: its weight (the
        smaller of exact and legacy15) with the worst name and, where both tables have their own,
        the worst birth-date weight still reaches the threshold."""
        ids = self.fields["id_number"]
        worst = min(ids["exact"], ids["legacy15"]) + min(self.fields["name"].values())
        if with_birth:
            worst += min(self.fields.get("birth_date", {"null": 0.0}).values())
        return worst >= self.threshold

    def legacy_keystrokes_matter(self, with_birth: bool) -> bool:
        """False when a legacy number one keystroke off can never be accepted (its weight, the best
        name and, where both tables have their own, the best birth-date weight stay below the threshold)."""
        best = self.fields["id_number"]["keystroke_legacy"] + max(self.fields["name"].values())
        if with_birth:
            best += max(self.fields.get("birth_date", {"null": 0.0}).values())
        return best >= self.threshold

    @model_validator(mode="after")
    def _levels(self) -> "MatchSettings":
        for field, levels in LEVELS.items():
            given = self.fields.get(field)
            if given is None:
                raise ValueError(f"fields.{field} is missing")
            if set(given) != set(levels):
                raise ValueError(f"fields.{field}: levels must be exactly {', '.join(levels)}")
            if given["null"] != 0:
                raise ValueError(f"fields.{field}.null: the null level weighs 0 (no evidence is not a mismatch)")
        unknown = set(self.fields) - set(LEVELS)
        if unknown:
            raise ValueError(f"fields.{sorted(unknown)[0]}: unknown field")
        return self


def load_match_settings(folder: Path) -> MatchSettings:
    return load_settings_file(Path(folder) / "matching.yaml", MatchSettings)


def _fmt(w: pl.Expr) -> pl.Expr:
    sign = pl.when(w >= 0).then(pl.lit("+")).otherwise(pl.lit(""))
    return sign + w.round(1).cast(pl.String)


def score(pairs: pl.LazyFrame, settings: MatchSettings, fields: tuple[str, ...] = ("id_number", "name"),
          *, only_matches: bool = False, explain: bool = True) -> pl.LazyFrame:
    """Add `{field}_weight`, `match_weight`, `match_probability`, `is_match` and (with `explain`)
    `match_explanation` to pairs that carry `{field}_level` columns (and `id_edit` for keystroke
    levels). With `only_matches`, pairs below the threshold are dropped before anything is written
    in words."""
    weights = [
        pl.col(LEVEL_COLUMNS[f]).replace_strict(settings.fields[f], return_dtype=pl.Float64).alias(f"{f}_weight")
        for f in fields
    ]
    pairs = pairs.with_columns(weights)
    total = pl.sum_horizontal([pl.col(f"{f}_weight") for f in fields])
    pairs = pairs.with_columns(total.alias("match_weight")).with_columns(
        (pl.col("match_weight") >= settings.threshold).alias("is_match"),
        (1.0 / (1.0 + (2.0 ** -pl.col("match_weight")))).alias("match_probability"))
    if only_matches:
        pairs = pairs.filter(pl.col("is_match"))
    return explain_matches(pairs, settings, fields) if explain else pairs


def explain_matches(pairs: pl.LazyFrame, settings: MatchSettings,
                    fields: tuple[str, ...] = ("id_number", "name")) -> pl.LazyFrame:
    """Add `match_explanation` to scored pairs (levels, weights, `match_weight`, `is_match`): each
    field's level in words with the weight it added, the total against the threshold, the verdict."""
    pieces = []
    for f in fields:
        words = pl.col(LEVEL_COLUMNS[f]).replace_strict(WORDS[f], return_dtype=pl.String)
        if f == "id_number":
            words = words.str.replace("{edit}", pl.col("id_edit").fill_null("相差一个按键"), literal=True)
        pieces.append(words + pl.lit(" ") + _fmt(pl.col(f"{f}_weight")))
    verdict = pl.when(pl.col("is_match")).then(pl.lit(" → 同一人")).otherwise(pl.lit(" → 不是同一人"))
    explanation = pl.concat_str(pieces, separator="；") + pl.lit("；合计 ") + _fmt(pl.col("match_weight")) + pl.lit(
        f"（阈值 {settings.threshold:g}）") + verdict
    return pairs.with_columns(explanation.alias("match_explanation"))
