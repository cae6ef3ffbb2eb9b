"""Linked groups of households: the connected components of the graph of ties, their suspicion
score and the paths an inspector follows from one household to another.

The graph (`Graph`, adjacency dicts) holds only what `graph_links.household_links` kept:
households that share an identifier with another family, the identifiers themselves, and "same
family" edges between the roster households of one family. A component is a group of families
tied together; its suspicion score (rules/graph.yaml) is

    score = (sum over the group's shared identifiers of kind weight x (families sharing it - 1))
            x (number of distinct link kinds in the group)

This is the one global step of the run: a tie can join households anywhere in the county.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import polars as pl

from crosscheck.graph_links import Links
from crosscheck.graph_settings import GraphSettings

COMPONENT_SCHEMA = {"component": pl.String, "n_households": pl.UInt32, "n_families": pl.UInt32,
                    "n_ties": pl.UInt32, "n_kinds": pl.UInt32, "kinds": pl.String, "score": pl.Float64}


class Graph:
    """An undirected graph as adjacency dicts, neighbours in the order their edges were added (as
    networkx.Graph keeps them, which the tests compare it with). Components and paths are a few
    thousand nodes' breadth-first searches; networkx did the same in Python, and importing it cost
    0.28 s of CPU in every run (7% of a 100k-roster county's)."""

    def __init__(self) -> None:
        self.adj: dict[tuple, dict[tuple, dict]] = {}

    def add_edge(self, u: tuple, v: tuple, **attrs) -> None:
        self.adj.setdefault(u, {})[v] = attrs
        self.adj.setdefault(v, {})[u] = attrs

    def components(self):
        """The node sets of the connected components (breadth-first from each unseen node)."""
        seen: set[tuple] = set()
        for start in self.adj:
            if start in seen:
                continue
            seen.add(start)
            component, level = {start}, [start]
            while level:
                nxt = []
                for node in level:
                    for other in self.adj[node]:
                        if other not in seen:
                            seen.add(other)
                            component.add(other)
                            nxt.append(other)
                level = nxt
            yield component


@dataclass(frozen=True)
class LinkGraph:
    """`graph`: households ("h", id) and identifiers ("t", kind, tie); `members`: household_id ->
    component and family; `components`: one row per component (COMPONENT_SCHEMA), highest score first;
    `labels`: (kind, tie) -> masked label; `links`: the ties and capped identifiers it was built from."""

    graph: Graph
    members: pl.DataFrame
    components: pl.DataFrame
    labels: dict[tuple[str, str], str]
    links: Links


def component_id(households: list[str]) -> str:
    """A name for a group: a hash of its sorted household ids (the same group, the same name)."""
    return hashlib.sha256("\n".join(sorted(households)).encode()).hexdigest()[:12]


def build_link_graph(links: Links, settings: GraphSettings) -> LinkGraph:
    """The graph of ties and its components."""
    ties = links.ties
    graph = Graph()
    for kind, tie, household in ties.select("kind", "tie", "household_id").iter_rows():
        graph.add_edge(("h", household), ("t", kind, tie))
    families = ties.select("household_id", "family").unique()
    for family, households in families.group_by("family").agg(pl.col("household_id").sort()).iter_rows():
        for other in households[1:]:
            graph.add_edge(("h", households[0]), ("h", other), family=True)
    rows = []
    for nodes in graph.components():
        households = sorted(n[1] for n in nodes if n[0] == "h")
        cid = component_id(households)
        rows.extend((h, cid) for h in households)
    members = pl.DataFrame(rows, schema={"household_id": pl.String, "component": pl.String}, orient="row")
    members = members.join(families, on="household_id").sort("component", "household_id")
    weights = pl.DataFrame({"kind": list(settings.links), "weight": [k.weight for k in settings.links.values()]})
    per_tie = (ties.join(members.select("household_id", "component"), on="household_id")
               .group_by("component", "kind", "tie").agg(pl.col("n_families").first())
               .join(weights, on="kind"))
    kinds = per_tie.group_by("component", "kind").agg(pl.len().alias("n")).sort("component", "kind").group_by(
        "component").agg(pl.len().alias("n_kinds"),
                         pl.format("{}:{}", pl.col("kind"), pl.col("n")).str.join(",").alias("kinds"))
    components = (
        per_tie.group_by("component").agg(pl.len().alias("n_ties"),
                                          (pl.col("weight") * (pl.col("n_families") - 1)).sum().alias("raw"))
        .join(kinds, on="component")
        .join(members.group_by("component").agg(pl.col("household_id").n_unique().alias("n_households"),
                                                pl.col("family").n_unique().alias("n_families")), on="component")
        .with_columns((pl.col("raw") * pl.col("n_kinds")).alias("score"))
        .select(list(COMPONENT_SCHEMA)).cast(COMPONENT_SCHEMA)
        .sort(["score", "n_families", "component"], descending=[True, True, False])
    )
    labels = {(k, t): lab for k, t, lab in ties.select("kind", "tie", "label").unique(["kind", "tie"]).iter_rows()}
    return LinkGraph(graph=graph, members=members, components=components, labels=labels, links=links)


def path_words(lg: LinkGraph, path: list[tuple], settings: GraphSettings, start_words: str | None = None) -> str:
    """家庭编号 A -(银行账号 6215 **** 0042)- 家庭编号 B =(同一家庭)= C ..."""
    out = []
    for i, node in enumerate(path):
        if node[0] == "h":
            if out and path[i - 1][0] == "h":
                out.append("=(同一家庭)=")
            out.append(start_words if i == 0 and start_words else node[1])
        else:
            out.append(f"-({settings.links[node[1]].label} {lg.labels[(node[1], node[2])]})-")
    return " ".join(out)


def member_index(lg: LinkGraph) -> tuple[dict[str, tuple[str, str]], dict[str, list[str]]]:
    """household -> (component, family), and component -> its households (sorted), built once."""
    of: dict[str, tuple[str, str]] = {}
    households: dict[str, list[str]] = {}
    for household, component, family in lg.members.select("household_id", "component", "family").iter_rows():
        of[household] = (component, family)
        households.setdefault(component, []).append(household)
    return of, households


def paths_from(lg: LinkGraph, household: str, settings: GraphSettings, limit: int = 4,
               index: tuple[dict, dict] | None = None) -> list[str]:
    """The shortest paths from a household to the nearest households of other families in its group
    (at most `limit`, the smallest ids first among those equally near). A breadth-first search that
    stops after the level where `limit` are found, keeping only parents: the same paths as
    networkx's single_source_shortest_path, without walking (and copying a path to) every node of
    a group of thousands once per household."""
    of, households = index or member_index(lg)
    component, family = of[household]
    targets = {h for h in households[component] if of[h][1] != family}
    adj = lg.graph.adj
    source = ("h", household)
    parent: dict[tuple, tuple | None] = {source: None}
    level, found, depth = [source], [], 0
    while level and len(found) < limit:
        depth += 1
        nxt = []
        for node in level:
            for other in adj[node]:
                if other not in parent:
                    parent[other] = node
                    nxt.append(other)
                    if other[0] == "h" and other[1] in targets:
                        found.append((depth, other[1]))
        level = nxt
    chosen = sorted(found)[:limit]

    def path_to(node: tuple) -> list[tuple]:
        out = []
        while node is not None:
            out.append(node)
            node = parent[node]
        return out[::-1]

    return [path_words(lg, path_to(("h", h)), settings, start_words=f"本户 {household}") for _, h in chosen]


def component_ties(lg: LinkGraph, component: str) -> pl.DataFrame:
    """(kind, tie, label, households) of one component."""
    households = lg.members.filter(pl.col("component") == component).select("household_id")
    return (lg.links.ties.join(households, on="household_id")
            .group_by("kind", "tie").agg(pl.col("label").first(), pl.col("household_id").sort().alias("households"))
            .sort("kind", "tie"))
