"""`crosscheck link`: match the people of any two tables with the monthly run's matching core.

link.yaml says how each table's columns map to canonical person fields (id_number, name,
birth_date, sex, address, phone) and, optionally, which rules folder's matching.yaml to use:

    left:  {columns: {身份证号码: id_number, 姓名: name}, encoding: auto}
    right: {columns: {证件号码: id_number, 姓名: name, 出生日期: birth_date}, sheet: 人员}
    rules: rules/          # optional
    threshold: 12          # optional: overrides matching.yaml's threshold
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from crosscheck.catalog import default_rules_dir, load_catalog
from crosscheck.config import Encoding, _one_line
from crosscheck.errors import ConfigError
from crosscheck.link import match_persons
from crosscheck.prepare import prepare
from crosscheck.read import InputFile, read_table

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
    base_dir: Path = Path(".")
    config_name: str = "link.yaml"

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else (self.base_dir / path)


def load_link_config(path: Path | None) -> LinkConfig:
    if path is None:
        return LinkConfig(base_dir=Path.cwd())
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
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


def link_files(left: Path, right: Path, config: LinkConfig, *, all_pairs: bool = False) -> pl.DataFrame:
    """Scored pairs between the people of two files (accepted ones, or every candidate)."""
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
