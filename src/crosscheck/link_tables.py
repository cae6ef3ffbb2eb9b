"""`crosscheck link`: match the people of any two tables with the monthly run's matching core.

link.yaml says how each table's columns map to canonical person fields (id_number, name,
birth_date, sex, address, phone) and, optionally, which rules folder's matching.yaml to use:

    left:  {columns: {身份证号码: id_number, 姓名: name}, encoding: auto}
    right: {columns: {证件号码: id_number, 姓名: name, 出生日期: birth_date}, sheet: 人员}
    rules: rules/          # optional
    threshold: 12          # optional: overrides matching.yaml's threshold

Tables of anything else (no Chinese ID numbers) are linked field by field when link.yaml declares
`fields:` and `blocking:` (see `field_link`: comparison levels per field, equi-join blocking rules,
weights estimated by EM at every run); `columns:` then only renames a side's headers to the names
the fields use, and `threshold` is a match weight (default 0: match probability 0.5):

    fields: [{name: surname, kind: string}, {name: date_of_birth, kind: date}]
    blocking: [[surname], [date_of_birth]]
    random_pairs: 200000   # optional: random record pairs standing for the pairs blocking left out
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from crosscheck.catalog import default_rules_dir, load_catalog
from crosscheck.config import Encoding, _one_line
from crosscheck.errors import ConfigError, safe_load_yaml
from crosscheck.field_compare import FieldSpec
from crosscheck.field_link import FieldLinkSettings, link_fields
from crosscheck.link import match_persons
from crosscheck.prepare import prepare
from crosscheck.read import InputFile, _read_csv, _read_parquet, _read_xlsx, read_table

PAIR_COLUMNS = [
    "l_file", "l_row", "r_file", "r_row", "l_id", "r_id", "l_name", "r_name", "blocked_by",
    "id_level", "name_level", "id_number_weight", "name_weight", "match_weight", "match_probability",
    "is_match", "match_explanation",
]


class LinkSide(BaseModel):
    model_config = ConfigDict(extra="forbid")

    columns: dict[str, str] | None = None
    sheet: str | None = None
    encoding: Encoding = "auto"


class LinkConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    left: LinkSide = LinkSide()
    right: LinkSide = LinkSide()
    rules: Path | None = None
    threshold: float | None = None
    fields: list[FieldSpec] | None = None
    blocking: list[list[str]] | None = None
    random_pairs: int = 200_000
    seed: int = 0
    max_pairs_per_rule: int = 20_000_000
    base_dir: Path = Path(".")
    config_name: str = "link.yaml"

    @model_validator(mode="after")
    def _generic(self) -> "LinkConfig":
        if (self.fields is None) != (self.blocking is None):
            raise ValueError("fields and blocking go together (field-by-field linking needs both)")
        if self.fields is not None and self.rules is not None:
            raise ValueError("rules: not used with fields (the weights are estimated by EM)")
        return self

    def field_settings(self) -> FieldLinkSettings:
        """The field-by-field settings (`fields:` and `blocking:` present)."""
        if self.fields is None:
            raise ConfigError(f"{self.config_name}: no fields: declared")
        return FieldLinkSettings(fields=self.fields, blocking=self.blocking, random_pairs=self.random_pairs,
                                 threshold=0.0 if self.threshold is None else self.threshold, seed=self.seed,
                                 max_pairs_per_rule=self.max_pairs_per_rule)

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else (self.base_dir / path)


def load_link_config(path: Path | None) -> LinkConfig:
    if path is None:
        return LinkConfig(base_dir=Path.cwd())
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = safe_load_yaml(path.read_text(encoding="utf-8-sig")) or {}
        return LinkConfig.model_validate({**data, "base_dir": path.parent.resolve(), "config_name": path.name})
    except yaml.YAMLError as e:
        raise ConfigError(f"{path.name}: not valid YAML: {str(e).splitlines()[0]}") from None
    except ValidationError as e:
        raise ConfigError(f"{path.name}: {_one_line(e)}") from None


def _side(config: LinkConfig, key: str, path: Path, side: LinkSide, catalog) -> pl.DataFrame:
    if not path.is_file():
        raise ConfigError(f"{path}: file not found")
    spec = InputFile(path=path.resolve(), sheet=side.sheet, encoding=side.encoding, columns=side.columns)
    if spec.columns:
        spec.check_columns("person")
    prepared = prepare(read_table(config, key, "person", spec), catalog, dt.date.today())
    return prepared.frame.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("_key"))


def _generic_side(path: Path, side: LinkSide) -> pl.DataFrame:
    """A table of any kind as text, its headers renamed by `columns:`, with `_file` and `_row`."""
    if not path.is_file():
        raise ConfigError(f"{path}: file not found")
    label, suffix = str(path), path.suffix.lower()
    if suffix == ".parquet":
        frame, first_row = _read_parquet(path, label), 1
    elif suffix in (".xlsx", ".xlsm"):
        frame, first_row = _read_xlsx(path, InputFile(path=path, sheet=side.sheet), label), 2
    else:
        frame, first_row = _read_csv(path, InputFile(path=path, encoding=side.encoding), label)[0], 2
    frame = frame.select(pl.all().cast(pl.String)).rename(side.columns or {}, strict=False)
    return frame.with_columns(pl.lit(label).alias("_file"), (pl.int_range(pl.len(), dtype=pl.Int64) + first_row).alias("_row"))


def link_generic(left: Path, right: Path, config: LinkConfig, *, all_pairs: bool = False) -> pl.DataFrame:
    """Field-by-field linking (`fields:`): scored, explained pairs with each side's file and row."""
    lf, rf = _generic_side(left, config.left), _generic_side(right, config.right)
    pairs, _ = link_fields(lf, rf, config.field_settings(), only_matches=not all_pairs)
    pairs = pairs.with_columns(frame[c].gather(pairs[f"{p}_key"]).alias(f"{p}{c}")
                               for frame, p in ((lf, "l"), (rf, "r")) for c in ("_file", "_row"))
    first = ["l_file", "l_row", "r_file", "r_row"]
    return pairs.select(first + [c for c in pairs.columns if c not in first and c not in ("l_key", "r_key")]).sort("l_row", "r_row")


def link_files(left: Path, right: Path, config: LinkConfig, *, all_pairs: bool = False) -> pl.DataFrame:
    """Scored pairs between the people of two files (accepted ones, or every candidate); with
    `fields:` in the config, between the records of two tables of any kind (`link_generic`)."""
    if config.fields is not None:
        return link_generic(left, right, config, all_pairs=all_pairs)
    folder = config.resolve(config.rules) if config.rules else default_rules_dir()
    catalog = load_catalog(folder)
    settings = catalog.matching
    if config.threshold is not None:
        settings = settings.model_copy(update={"threshold": config.threshold})
    lf = _side(config, "left", left, config.left, catalog)
    rf = _side(config, "right", right, config.right, catalog)
    pairs = match_persons(lf.lazy(), rf.lazy(), settings, only_matches=not all_pairs)
    refs = [(lf, "l"), (rf, "r")]
    for frame, p in refs:
        pairs = pairs.join(frame.select(pl.col("_key").alias(f"{p}_key"), pl.col("_file").alias(f"{p}_file"),
                                        pl.col("_row").alias(f"{p}_row")), on=f"{p}_key", how="left")
    extra = [c for c in ("birth_level", "birth_date_weight") if c in pairs.columns]
    return pairs.select(PAIR_COLUMNS[:11] + extra + PAIR_COLUMNS[11:]).sort("l_row", "r_row")
