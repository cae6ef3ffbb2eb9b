"""The graph of ties: components and neighbour order as networkx gives them."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from crosscheck.graph_components import Graph

NODES = st.one_of(st.tuples(st.just("h"), st.sampled_from("ABCDEFGHIJ")),
                  st.tuples(st.just("t"), st.sampled_from(["account", "phone"]), st.sampled_from("0123456")))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(NODES, NODES), max_size=40))
def test_components_and_adjacency_are_networkx_s(edges):
    ours, theirs = Graph(), nx.Graph()
    for u, v in edges:
        ours.add_edge(u, v)
        theirs.add_edge(u, v)
    assert sorted(map(sorted, ours.components())) == sorted(map(sorted, nx.connected_components(theirs)))
    # the breadth-first paths (graph_components.paths_from) walk neighbours in this order
    assert {n: list(nbrs) for n, nbrs in ours.adj.items()} == {n: list(nbrs) for n, nbrs in theirs.adj.items()}


def test_a_self_loop_and_an_isolated_edge():
    g = Graph()
    g.add_edge(("h", "A"), ("h", "A"))
    g.add_edge(("h", "B"), ("t", "phone", "1"))
    assert sorted(map(sorted, g.components())) == [[("h", "A")], [("h", "B"), ("t", "phone", "1")]]
