"""EM estimation of match weights, and field-by-field linking end to end on FEBRL-like records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from crosscheck.cli import app
from crosscheck.em import estimate, u_from_levels, weigh
from crosscheck.field_link import FieldLinkSettings, link_fields

LEVELS = ("null", "exact", "close", "different")


def synthetic(seed: int, n: int, prior: float, m: list[list[float]], u: list[list[float]], null: float = 0.05) -> pl.DataFrame:
    """Level columns drawn from a known Fellegi-Sunter model (fields independent given match status)."""
    rng = np.random.default_rng(seed)
    match = rng.random(n) < prior
    cols = {}
    for j, (mj, uj) in enumerate(zip(m, u)):
        k = np.where(match, rng.choice(3, n, p=mj), rng.choice(3, n, p=uj))
        names = np.array(LEVELS[1:])[k]
        cols[f"f{j}_level"] = np.where(rng.random(n) < null, "null", names)
    return pl.DataFrame(cols)


FIELDS = {f"f{j}_level": LEVELS for j in range(4)}


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 2**31), st.floats(0.05, 0.4), st.lists(st.floats(0.6, 0.9), min_size=4, max_size=4),
       st.lists(st.floats(0.02, 0.2), min_size=4, max_size=4))
def test_em_recovers_known_parameters(seed, prior, m_exact, u_exact) -> None:
    m = [[a, (1 - a) * 0.6, (1 - a) * 0.4] for a in m_exact]
    u = [[b, b, 1 - 2 * b] for b in u_exact]
    result = estimate(synthetic(seed, 60_000, prior, m, u), FIELDS)
    assert result.converged
    assert result.prior == pytest.approx(prior, abs=0.02)
    table = result.table.filter(pl.col("level") != "null")
    got_m = table["m"].to_numpy().reshape(4, 3)
    got_u = table["u"].to_numpy().reshape(4, 3)
    assert np.abs(got_m - np.array(m)).max() < 0.04
    assert np.abs(got_u - np.array(u)).max() < 0.02


def test_em_is_deterministic_and_ignores_row_order() -> None:
    levels = synthetic(1, 20_000, 0.1, [[0.8, 0.15, 0.05]] * 4, [[0.05, 0.1, 0.85]] * 4)
    a = estimate(levels, FIELDS)
    b = estimate(levels.sample(fraction=1.0, shuffle=True, seed=3), FIELDS)
    assert a.table.equals(b.table) and a.prior == b.prior and a.iterations == b.iterations


def test_fixed_u_and_weights() -> None:
    levels = synthetic(2, 20_000, 0.2, [[0.8, 0.15, 0.05]] * 4, [[0.05, 0.1, 0.85]] * 4)
    u = u_from_levels(synthetic(3, 20_000, 0.0, [[1, 0, 0]] * 4, [[0.05, 0.1, 0.85]] * 4), FIELDS)
    result = estimate(levels, FIELDS, fixed_u=u)
    table = result.table.filter(pl.col("level") != "null")
    assert table["u"].to_list() == pytest.approx([u[f][lv] for f in FIELDS for lv in LEVELS[1:]])
    assert result.prior == pytest.approx(0.2, abs=0.02)
    weights = result.weights()
    assert weights["f0"]["null"] == 0.0 and weights["f0"]["exact"] > 3 > 0 > weights["f0"]["different"]
    scored = weigh(levels.head(3), result)
    row = scored.row(0, named=True)
    expected = result.prior_weight + sum(weights[f"f{j}"][row[f"f{j}_level"]] for j in range(4))
    assert row["match_weight"] == pytest.approx(expected)
    assert row["match_probability"] == pytest.approx(1 / (1 + 2 ** -expected))


def test_em_on_the_person_cores_levels() -> None:
    """The person core's level columns (id_level, name_level) go through the same EM."""
    from crosscheck.compare import ID_LEVELS, NAME_LEVELS

    rng = np.random.default_rng(5)
    n = 5000
    match = rng.random(n) < 0.3
    ids = np.where(match, rng.choice(["exact", "legacy15", "keystroke_checked"], n, p=[0.9, 0.07, 0.03]),
                   rng.choice(["different", "twin_or_neighbour", "keystroke_legacy"], n, p=[0.97, 0.02, 0.01]))
    names = np.where(match, rng.choice(["exact", "pinyin"], n, p=[0.9, 0.1]), rng.choice(["exact", "different"], n, p=[0.05, 0.95]))
    births = np.where(match, "exact", rng.choice(["exact", "different"], n, p=[0.02, 0.98]))
    from crosscheck.compare import BIRTH_LEVELS

    result = estimate(pl.DataFrame({"id_level": ids, "name_level": names, "birth_level": births}),
                      {"id_level": ID_LEVELS, "name_level": NAME_LEVELS, "birth_level": BIRTH_LEVELS})
    w = result.weights()
    assert set(w) == {"id", "name", "birth"}
    assert w["id"]["exact"] > 5 and w["id"]["different"] < -5 and w["name"]["exact"] > 2
    assert result.prior == pytest.approx(0.3, abs=0.02)


FIRST = ["michaela", "courtney", "charles", "joshua", "emily", "jack", "olivia", "liam", "chloe", "noah",
         "ruby", "lucas", "mia", "oscar", "zoe", "harry", "ella", "leo", "grace", "isaac"]
LAST = ["neumann", "painter", "green", "smith", "nguyen", "brown", "wilson", "taylor", "white", "martin",
        "clarke", "hughes", "walker", "young", "king"]


def febrl_like(seed: int, n: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """n originals and one corrupted copy of each (a typo, a swapped name, a missing value, a
    mistyped digit), shuffled; `rec_id` says which original a copy is of."""
    rng = np.random.default_rng(seed)
    a = pl.DataFrame({
        "rec_id": [f"rec-{i}-org" for i in range(n)],
        "given_name": rng.choice(FIRST, n), "surname": rng.choice(LAST, n),
        "date_of_birth": [f"{y}{m:02d}{d:02d}" for y, m, d in zip(rng.integers(1930, 2000, n), rng.integers(1, 13, n),
                                                                  rng.integers(1, 29, n))],
        "soc_sec_id": [str(v) for v in rng.integers(1_000_000, 9_999_999, n)],
        "postcode": [str(v) for v in rng.integers(2000, 2100, n)],
    })
    rows = []
    for i, r in enumerate(a.iter_rows(named=True)):
        r = {**r, "rec_id": f"rec-{i}-dup-0"}
        kind = i % 5
        if kind == 1:
            g = r["given_name"]
            r["given_name"] = g[:1] + g[2] + g[1] + g[3:]
        elif kind == 2:
            r["surname"] = None
        elif kind == 3:
            s = r["soc_sec_id"]
            r["soc_sec_id"] = s[:3] + str((int(s[3]) + 1) % 10) + s[4:]
        elif kind == 4:
            d = r["date_of_birth"]
            r["date_of_birth"] = d[:4] + d[6:] + d[4:6] if int(d[6:]) <= 12 else d[:7] + str((int(d[7]) + 1) % 10)
        rows.append(r)
    b = pl.DataFrame(rows, schema=a.schema).sample(fraction=1.0, shuffle=True, seed=seed)
    return a, b


SETTINGS = FieldLinkSettings(
    fields=[{"name": "given_name"}, {"name": "surname"}, {"name": "date_of_birth", "kind": "date"},
            {"name": "soc_sec_id", "measure": "damerau_levenshtein", "thresholds": [1, 2]},
            {"name": "postcode", "kind": "exact"}],
    blocking=[["soc_sec_id"], ["given_name", "surname"], ["date_of_birth"], ["surname=given_name", "given_name=surname"]],
    random_pairs=20_000,
)


def test_febrl_like_end_to_end() -> None:
    a, b = febrl_like(0, 400)
    pairs, result = link_fields(a, b, SETTINGS)
    got = pairs.select(a["rec_id"].gather(pairs["l_key"]).alias("l"), b["rec_id"].gather(pairs["r_key"]).alias("r"))
    tp = got.filter(pl.col("l").str.replace("-org", "") == pl.col("r").str.replace("-dup-0", "")).height
    assert tp / got.height >= 0.99 and tp / a.height >= 0.98
    assert result.prior == pytest.approx(1 / 400, rel=0.2)  # learnt without labels
    text = pairs["match_explanation"][0]
    assert text.startswith("先验 -") and "（阈值 0） → 同一人" in text and "soc_sec_id「" in text
    again, _ = link_fields(a, b, SETTINGS)
    assert again.equals(pairs)


def test_link_command_with_fields(tmp_path: Path) -> None:
    a, b = febrl_like(1, 120)
    a.write_csv(tmp_path / "a.csv")
    b.rename({"surname": "family"}).write_csv(tmp_path / "b.csv")
    (tmp_path / "link.yaml").write_text(
        "right: {columns: {family: surname}}\n"
        "fields: [{name: given_name}, {name: surname}, {name: date_of_birth, kind: date},\n"
        "         {name: soc_sec_id, kind: string, measure: damerau_levenshtein, thresholds: [1, 2]}]\n"
        "blocking: [[soc_sec_id], [given_name, surname], [date_of_birth]]\n", encoding="utf-8")
    out = tmp_path / "pairs.parquet"
    result = CliRunner().invoke(app, ["link", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"),
                                      "--config", str(tmp_path / "link.yaml"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    pairs = pl.read_parquet(out)
    assert pairs.columns[:4] == ["l_file", "l_row", "r_file", "r_row"]
    assert {"soc_sec_id_level", "soc_sec_id_weight", "match_weight", "is_match", "match_explanation"} <= set(pairs.columns)
    assert pairs.height >= 115 and pairs["is_match"].all()
    assert f"{pairs.height} matched pairs" in result.output

    (tmp_path / "bad.yaml").write_text("fields: [{name: surname}]\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["link", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"),
                                      "--config", str(tmp_path / "bad.yaml")])
    assert result.exit_code == 2 and "fields and blocking go together" in result.output


def test_core_weights_next_to_the_configured_ones() -> None:
    """The person core's levels on two small tables: EM's weights beside matching.yaml's, unchanged."""
    from people_frames import make_id, people

    from crosscheck.catalog import default_rules_dir
    from crosscheck.em_core import estimated_vs_configured
    from crosscheck.scoring import load_match_settings

    rng = np.random.default_rng(0)
    ids = [make_id("431221", f"19{y:02d}0{m}1{d}", s) for y, m, d, s in
           zip(rng.integers(30, 99, 300), rng.integers(1, 9, 300), rng.integers(0, 9, 300), rng.integers(0, 999, 300))]
    names = [rng.choice(["张", "王", "李"]) + rng.choice(["伟", "芳", "娜", "洋", "静", "明"]) for _ in ids]
    settings = load_match_settings(default_rules_dir())
    before = settings.model_dump()
    table, result = estimated_vs_configured(people(ids[:200], names[:200]), people(ids[100:], names[100:]), settings,
                                            random_pairs=5000)
    assert settings.model_dump() == before
    assert table.row(0, named=True)["configured"] == -settings.threshold
    exact = table.filter((pl.col("field") == "id_number") & (pl.col("level") == "exact")).row(0, named=True)
    assert exact["configured"] == 20.0 and exact["estimated"] > 10 and exact["pairs"] == 100
    assert result.prior == pytest.approx(100 / 40_000, rel=0.2)
