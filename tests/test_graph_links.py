"""Ties between households: families never tie, caps are reported, exempt programs stay out."""

from __future__ import annotations

import polars as pl

from graph_frames import CATALOG, context, roster
from crosscheck.graph_links import household_links, mask_address, normalize_address


def _ties(rows, sources=None) -> pl.DataFrame:
    return household_links(context(roster(rows), sources), CATALOG.graph).ties


def test_one_person_on_two_programs_is_one_family_not_a_tie() -> None:
    rows = [dict(household_id="DB1", person=1, account="62", phone="13900000001"),
            dict(household_id="CJ1", person=1, program="disability_living", account="62", phone="13900000001"),
            dict(household_id="DB2", person=2, account="63")]
    assert _ties(rows).is_empty()


def test_households_sharing_any_member_form_one_family() -> None:
    # DB1 and GL1 share person 1; GL1 and CJ1 share person 2: one family of three households
    rows = [dict(household_id="DB1", person=1, phone="1"), dict(household_id="DB1", person=3, phone="1"),
            dict(household_id="GL1", program="elderly_allowance", person=1, phone="1"),
            dict(household_id="GL1", program="elderly_allowance", person=2, phone="1"),
            dict(household_id="CJ1", program="disability_living", person=2, phone="1"),
            dict(household_id="X", person=9, phone="1")]
    ties = _ties(rows)
    assert dict(ties.select("household_id", "family").iter_rows()) == {"CJ1": "CJ1", "DB1": "CJ1", "GL1": "CJ1", "X": "X"}
    assert ties["n_families"].unique().to_list() == [2]


def test_a_cap_reports_the_identifier_instead_of_linking() -> None:
    cap = CATALOG.graph.links["address"].cap
    rows = [dict(household_id=f"H{i}", person=i, address="中方镇 光明村1组 8号") for i in range(cap + 1)]
    links = household_links(context(roster(rows)), CATALOG.graph)
    assert links.ties.filter(pl.col("kind") == "address").is_empty()
    assert links.capped.to_dicts() == [{"kind": "address", "label": "中方镇光明村1组**号",
                                        "n_families": cap + 1, "n_households": cap + 1}]
    at_cap = household_links(context(roster(rows[:cap])), CATALOG.graph)
    assert at_cap.ties["household_id"].n_unique() == cap and at_cap.capped.is_empty()


def test_institution_residents_do_not_tie() -> None:
    rows = [dict(household_id=f"T{i}", person=i, program="tekun_centralized", account="999", phone="0745",
                 address="中方镇敬老院") for i in range(40)]
    assert _ties(rows).is_empty()


def test_a_payee_is_a_tie_only_outside_the_household() -> None:
    rows = [dict(household_id="A", person=1, payee_id="431221195001010072"),  # person 7 is not in A
            dict(household_id="B", person=2, payee_id="431221195001010072"),
            dict(household_id="C", person=7), dict(household_id="C", person=3, payee_id="431221195001010072")]
    ties = _ties(rows)
    assert sorted(ties["household_id"]) == ["A", "B"]  # C's payee is C's own member


def test_address_normalisation() -> None:
    frame = pl.DataFrame({"a": ["中方镇 老垅村10组63号", "中方镇老垅村１０组６３号", "  ", None, "中方镇、老垅村"]})
    out = frame.select(normalize_address(pl.col("a")).alias("n"))["n"].to_list()
    assert out == ["中方镇老垅村10组63号", "中方镇老垅村10组63号", None, None, "中方镇老垅村"]
    assert frame.select(mask_address(normalize_address(pl.col("a"))))["a"].to_list()[0] == "中方镇老垅村10组**号"


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from crosscheck.graph_links import nfkc, shared_by_two  # noqa: E402

# addresses as they come: CJK, ASCII, full-width forms, compatibility ideographs, circled
# numbers, combining marks (which compose with the letter before them), ideographic spaces
_ADDRESS_CHARS = st.sampled_from(list("新建镇老垅村组号栋室 -#()12aéA") + ["\uff11", "\uff08", "\u3000", "\uf900",
                                                                       "\u2460", "\u0301", "\u00a0", "\u2f00"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(_ADDRESS_CHARS, max_size=12)), max_size=20))
def test_nfkc_only_where_it_changes_equals_nfkc_everywhere(values):
    s = pl.Series(values, dtype=pl.String)
    assert nfkc(s).to_list() == s.str.normalize("NFKC").to_list()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["account", "phone"]), st.sampled_from(["t1", "t2", None]),
                          st.sampled_from(["h1", "h2", "h3"])), max_size=25))
def test_shared_by_two_keeps_the_rows_of_ties_of_two_households_in_order(rows):
    frame = pl.DataFrame(rows, schema={"kind": pl.String, "tie": pl.String, "household_id": pl.String}, orient="row")
    households: dict = {}
    for kind, tie, household in rows:
        households.setdefault((kind, tie), set()).add(household)
    expected = [r for r in rows if r[1] is not None and len(households[(r[0], r[1])]) >= 2]  # a null tie ties nothing
    assert shared_by_two(frame.lazy(), ["kind", "tie"]).collect().rows() == expected


from crosscheck.graph_links import family_labels, min_labels  # noqa: E402


def _reachable_minimum(edges: list[tuple[str, str | None]]) -> dict[str, str]:
    """Plain Python: each household's smallest household reachable through shared members."""
    adjacent: dict[tuple, set] = {}
    for h, m in edges:
        adjacent.setdefault(("h", h), set())
        if m is not None:
            adjacent[("h", h)].add(("m", m))
            adjacent.setdefault(("m", m), set()).add(("h", h))
    family = {}
    for start in adjacent:
        if start[0] != "h" or start[1] in family:
            continue
        seen, todo = {start}, [start]
        while todo:
            for nxt in adjacent[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        name = min(h for kind, h in seen if kind == "h")
        family.update({h: name for kind, h in seen if kind == "h"})
    return family


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([f"H{i:02d}" for i in range(25)]),
                          st.one_of(st.none(), st.sampled_from([f"M{i}" for i in range(25)]))), min_size=1, max_size=60))
def test_family_labels_are_the_smallest_reachable_household(edges):
    frame = pl.DataFrame(edges, schema={"household_id": pl.String, "member": pl.String}, orient="row")
    expected = _reachable_minimum(edges)
    got = family_labels(frame)
    assert got["household_id"].to_list() == sorted(expected)
    assert dict(got.iter_rows()) == expected


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40).flatmap(lambda n: st.tuples(st.just(n), st.lists(
    st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=80))))
def test_min_labels_is_each_nodes_smallest_reachable_node(graph):
    import numpy as np

    n, edges = graph
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = root(a), root(b)
        parent[max(ra, rb)] = min(ra, rb)  # union by the smaller root: a root is its set's minimum
    u = np.array([a for a, _ in edges], dtype=np.int64)
    v = np.array([b for _, b in edges], dtype=np.int64)
    assert min_labels(u, v, n).tolist() == [root(x) for x in range(n)]


def test_work_given_for_the_wait_runs_once_while_the_hukou_lookup_runs() -> None:
    """`meanwhile` (the run's own work that needs no 户籍) is called once, while the roster's 户籍
    households are looked up on a thread, and changes nothing about the ties."""
    rows = [dict(household_id="DB1", person=1, phone="1"), dict(household_id="DB2", person=2, phone="1"),
            dict(household_id="DB3", person=3, account="62"), dict(household_id="DB4", person=4, account="62")]
    base = roster(rows)
    hukou = base.select("_file", "_row", "id", "id_raw", "id_status", "id_birth", "name", "_key").with_columns(
        pl.format("H{}", pl.col("_key")).alias("household_no"))
    calls = []
    ctx = context(base, {"household": hukou})
    with_wait = household_links(ctx, CATALOG.graph, meanwhile=lambda: calls.append("hukou_households" in ctx._cache))
    assert calls == [False] or calls == [True]  # called once, whether or not the lookup had finished
    assert "hukou_households" in ctx._cache
    without = household_links(context(base, {"household": hukou}), CATALOG.graph)
    assert with_wait.ties.equals(without.ties) and with_wait.ties.height == 4
