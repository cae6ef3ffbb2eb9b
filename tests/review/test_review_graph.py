"""Graph cases on the review page: the linked group is drawn from the run's components.json, with
masked identifiers only."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
from conftest import client_for

from crosscheck.store import Store


def test_a_linked_households_case_shows_its_group(fresh_store: Path) -> None:
    store = Store.open(fresh_store)
    out = Path(store.runs()[-1]["out_dir"])
    cases = pl.read_parquet(out / "cases.parquet")
    case = cases.filter(pl.col("rule_id") == "linked_households").row(0, named=True)
    groups = json.loads((out / "components.json").read_text(encoding="utf-8"))["groups"]
    group = next(g for g in groups if any(h["household_id"] == case["household_id"] for h in g["households"]))
    html = client_for(fresh_store, "look").get(f"/cases/{case['case_id']}").text
    drawing = re.search(r'<figure class="group" id="group-drawing">(.*?)</figure>', html, re.S)
    assert drawing is not None and f'data-component="{group["component"]}"' in drawing.group(1)
    assert drawing.group(1).count('class="household"') == group["n_households"]
    assert "银行账号" in drawing.group(1) or "联系电话" in drawing.group(1)
    assert not re.search(r"\d{11,}", drawing.group(1))  # no full account, phone or ID number
    other = cases.filter(pl.col("rule_id") == "deceased").row(0, named=True)
    assert 'id="group-drawing"' not in client_for(fresh_store, "look").get(f"/cases/{other['case_id']}").text
