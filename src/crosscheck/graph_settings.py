"""Settings of the graph layer (rules/graph.yaml): link kinds, their weights in the suspicion
score, their caps and the programs they leave out. See the comments of rules/graph.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from crosscheck.errors import load_settings_file

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
    family_cap: int | None = None  # a person shared by more roster households than this makes no family


def load_graph_settings(folder: Path) -> GraphSettings:
    return load_settings_file(Path(folder) / "graph.yaml", GraphSettings)
