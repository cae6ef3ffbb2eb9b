"""The month config (month.yaml): which rosters and sources to screen for which payment month.

Paths are relative to the YAML file. Every mistake stops the run with one line naming the file and
the key (`month.yaml: sources[2].kind: unknown source kind 'vehicle' ...`), before any work.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from crosscheck.errors import ConfigError, safe_load_yaml
from crosscheck.tables import FIELDS, SOURCE_KINDS

Encoding = Literal["auto", "utf-8", "utf-8-sig", "gbk", "gb2312", "gb18030"]
FILE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm", ".parquet")


class InputFile(BaseModel):
    """One input file and how its columns map to canonical fields."""

    model_config = ConfigDict(extra="forbid")

    path: Path
    sheet: str | None = None
    encoding: Encoding = "auto"
    columns: dict[str, str] | None = None

    def check_columns(self, kind: str) -> None:
        known = FIELDS[kind]
        seen: dict[str, str] = {}
        for header, field in (self.columns or {}).items():
            if field not in known:
                raise ValueError(
                    f"columns.{header}: unknown {kind} field '{field}' (expected one of {', '.join(known)})"
                )
            if field in seen:
                raise ValueError(f"columns.{header}: '{field}' is already the field of column '{seen[field]}'")
            seen[field] = header


class RosterFile(InputFile):
    @model_validator(mode="after")
    def _fields(self) -> "RosterFile":
        self.check_columns("roster")
        return self


class SourceFile(InputFile):
    kind: str

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        if v not in SOURCE_KINDS:
            raise ValueError(f"unknown source kind '{v}' (expected one of {', '.join(SOURCE_KINDS)})")
        return v

    @model_validator(mode="after")
    def _fields(self) -> "SourceFile":
        self.check_columns(self.kind)
        return self


class MonthConfig(BaseModel):
    """A month's screening: the payment month, the rosters, the sources and the rules folder."""

    model_config = ConfigDict(extra="forbid")

    month: str
    county: str | None = None
    roster: list[RosterFile] = Field(min_length=1)
    sources: list[SourceFile] = []
    rules: Path | None = None
    base_dir: Path = Path(".")
    config_name: str = "month.yaml"

    @field_validator("sources", mode="before")
    @classmethod
    def _no_sources(cls, v):
        return [] if v is None else v  # `sources:` left empty

    @field_validator("month", "county", mode="before")
    @classmethod
    def _as_text(cls, v):
        return None if v is None else str(v)

    @field_validator("month")
    @classmethod
    def _month(cls, v: str) -> str:
        m = re.fullmatch(r"(\d{4})-(\d{1,2})", v.strip())
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ValueError(f"'{v}' is not a month in the form YYYY-MM")
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}"

    @property
    def first_day(self) -> dt.date:
        y, m = map(int, self.month.split("-"))
        return dt.date(y, m, 1)

    @property
    def last_day(self) -> dt.date:
        first = self.first_day
        nxt = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
        return nxt - dt.timedelta(days=1)

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else (self.base_dir / path)

    def inputs(self) -> list[tuple[str, str, InputFile]]:
        """(key in the YAML, table kind, file) for every input, rosters first."""
        out: list[tuple[str, str, InputFile]] = [(f"roster[{i}]", "roster", f) for i, f in enumerate(self.roster)]
        out += [(f"sources[{i}]", s.kind, s) for i, s in enumerate(self.sources)]
        return out


def _one_line(err: ValidationError) -> str:
    first = err.errors()[0]
    loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"]).lstrip(".")
    msg = first["msg"].removeprefix("Value error, ")
    if msg.startswith("columns."):  # raised by a model validator: the key path continues in the message
        return f"{loc}.{msg}"
    if first["type"] == "extra_forbidden":
        msg = "unknown key"
    elif first["type"] == "missing":
        msg = "required key is missing"
    return f"{loc}: {msg}" if loc else msg


def load_month_config(path: Path) -> MonthConfig:
    """Read and validate month.yaml; every named file must exist. Raises ConfigError (one line)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        data = safe_load_yaml(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path.name}: not valid YAML: {str(e).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name}: expected a mapping with month, roster and sources")
    for internal in ("base_dir", "config_name"):
        if internal in data:
            raise ConfigError(f"{path.name}: {internal}: unknown key")
    try:
        config = MonthConfig.model_validate({**data, "base_dir": path.parent.resolve(), "config_name": path.name})
    except ValidationError as e:
        raise ConfigError(f"{path.name}: {_one_line(e)}") from None
    for key, _kind, f in config.inputs():
        full = config.resolve(f.path)
        if not full.is_file():
            raise ConfigError(f"{path.name}: {key}.path: file not found: {f.path}")
        if full.suffix.lower() not in FILE_SUFFIXES:
            raise ConfigError(f"{path.name}: {key}.path: unsupported file type '{full.suffix}' ({f.path})")
        if f.sheet is not None and full.suffix.lower() not in (".xlsx", ".xlsm"):
            raise ConfigError(f"{path.name}: {key}.sheet: only an xlsx file has sheets ({f.path})")
    if config.rules is not None and not config.resolve(config.rules).is_dir():
        raise ConfigError(f"{path.name}: rules: folder not found: {config.rules}")
    return config
