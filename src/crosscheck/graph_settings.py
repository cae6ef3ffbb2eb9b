"""Settings of the graph layer (rules/graph.yaml): link kinds, their weights in the suspicion
score, their caps and the programs they leave out. See the comments of rules/graph.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from crosscheck.errors import ConfigError

Kind = Literal["account", "payee", "phone", "address"]


class LinkKind(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str
    weight: float
    cap: int | None = None
    exempt_programs: list[str] = []


class GraphSettings(BaseModel):
    """rules/graph.yaml"""

    model_config = ConfigDict(extra="forbid")

    version: int
    links: dict[Kind, LinkKind]


def load_graph_settings(folder: Path) -> GraphSettings:
    path = Path(folder) / "graph.yaml"
    if not path.is_file():
        raise ConfigError(f"{folder}: graph.yaml not found")
    try:
        return GraphSettings.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (ValidationError, yaml.YAMLError) as e:
        if isinstance(e, yaml.YAMLError):
            raise ConfigError(f"graph.yaml: not valid YAML: {str(e).splitlines()[0]}") from None
        first = e.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        msg = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
        raise ConfigError(f"graph.yaml: {loc}: {msg}") from None
