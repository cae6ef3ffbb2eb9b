"""The rule catalog and program standards, read from a rules folder and validated by pydantic.

A rules folder holds `programs.yaml` (codes, labels, families, means tests, monthly standards),
`matching.yaml` (person-matching levels, weights and threshold), `graph.yaml` (links between
households) and one YAML file per rule. Unknown keys are rejected; each rule's `params` are checked against the
parameter model its implementation declares. A county edits these files, never the code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crosscheck.errors import ConfigError, safe_load_yaml
from crosscheck.graph_settings import GraphSettings, load_graph_settings
from crosscheck.scoring import MatchSettings, load_match_settings


class Program(BaseModel):
    """One payment program (救助类别)."""

    model_config = ConfigDict(extra="forbid")

    code: str
    label: str
    aliases: list[str] = []
    family: str
    means_tested: bool
    standard: float | None = None


class ProgramsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    programs: list[Program] = Field(min_length=1)


class Rule(BaseModel):
    """One screening rule: what it flags, for which programs, from which source, how severely."""

    model_config = ConfigDict(extra="forbid")

    id: str
    version: int
    title: str
    legal_basis: str
    description: str
    programs: Literal["all", "means_tested"] | list[str] = "all"
    sources: list[str]
    severity: Literal["hold", "review"]
    params: dict[str, Any] = {}


class Catalog(BaseModel):
    """Programs, person-matching settings and rules of one rules folder."""

    folder: Path
    programs: list[Program]
    matching: MatchSettings
    graph: GraphSettings
    rules: dict[str, Rule]

    def program_by_code(self) -> dict[str, Program]:
        return {p.code: p for p in self.programs}

    def program_codes(self, rule: Rule) -> list[str]:
        """The program codes a rule applies to (`all`, `means_tested`, or codes and families)."""
        if rule.programs == "all":
            return [p.code for p in self.programs]
        if rule.programs == "means_tested":
            return [p.code for p in self.programs if p.means_tested]
        return [p.code for p in self.programs if p.code in rule.programs or p.family in rule.programs]

    def family_of(self) -> dict[str, str]:
        return {p.code: p.family for p in self.programs}


def default_rules_dir() -> Path:
    """The rules shipped with the package: the repository's rules/ or the wheel's copy."""
    here = Path(__file__).resolve().parent
    for candidate in (here.parent.parent / "rules", here / "_rules"):
        if (candidate / "programs.yaml").is_file():
            return candidate
    raise ConfigError("the packaged rules folder is missing; reinstall crosscheck")


def _load_yaml(path: Path) -> Any:
    try:
        return safe_load_yaml(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path.name}: not valid YAML: {str(e).splitlines()[0]}") from None


def _error_line(path: Path, err: ValidationError) -> str:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    msg = "unknown key" if first["type"] == "extra_forbidden" else first["msg"].removeprefix("Value error, ")
    return f"{path.name}: {loc}: {msg}"


def load_catalog(folder: Path | None = None) -> Catalog:
    """Read and validate a rules folder (default: the packaged rules)."""
    from crosscheck.screen import RULE_PARAMS  # the implementations declare their parameters

    folder = Path(folder) if folder is not None else default_rules_dir()
    programs_path = folder / "programs.yaml"
    if not programs_path.is_file():
        raise ConfigError(f"{folder}: programs.yaml not found")
    try:
        programs = ProgramsFile.model_validate(_load_yaml(programs_path)).programs
    except ValidationError as e:
        raise ConfigError(_error_line(programs_path, e)) from None
    codes = {p.code for p in programs}
    families = {p.family for p in programs}
    rules: dict[str, Rule] = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name in ("programs.yaml", "matching.yaml", "graph.yaml"):
            continue
        try:
            rule = Rule.model_validate(_load_yaml(path))
            if rule.id not in RULE_PARAMS:
                raise ConfigError(f"{path.name}: id: unknown rule '{rule.id}'")
            RULE_PARAMS[rule.id].model_validate(rule.params)
        except ValidationError as e:
            raise ConfigError(_error_line(path, e)) from None
        if isinstance(rule.programs, list):
            unknown = [p for p in rule.programs if p not in codes | families]
            if unknown:
                raise ConfigError(f"{path.name}: programs: unknown program '{unknown[0]}'")
        if rule.id in rules:
            raise ConfigError(f"{path.name}: id: rule '{rule.id}' is defined twice")
        rules[rule.id] = rule
    graph = load_graph_settings(folder)
    for kind, link in graph.links.items():
        unknown = [p for p in link.exempt_programs if p not in codes]
        if unknown:
            raise ConfigError(f"graph.yaml: links.{kind}.exempt_programs: unknown program '{unknown[0]}'")
    return Catalog(folder=folder, programs=programs, matching=load_match_settings(folder), graph=graph, rules=rules)


def rule_params(rule: Rule) -> BaseModel:
    """A rule's parameters as its implementation's typed model."""
    from crosscheck.screen import RULE_PARAMS

    return RULE_PARAMS[rule.id].model_validate(rule.params)
