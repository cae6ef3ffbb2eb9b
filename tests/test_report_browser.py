"""report.html in headless Chromium: it renders offline (no request leaves the file), shows the
counts and the charts, and shows no unmasked ID number. A screenshot is kept in test-artifacts/."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from browser_support import ARTIFACTS, browser  # noqa: F401 (the fixture)
from typer.testing import CliRunner

from crosscheck.cli import app

COUNTY = Path(__file__).resolve().parent.parent / "fixtures" / "county-small" / "month.yaml"


def test_report_renders_offline_with_counts(browser, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["run", "--config", str(COUNTY), "--out", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    cases = pl.read_parquet(tmp_path / "cases.parquet")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto((tmp_path / "report.html").as_uri())
    page.wait_for_load_state("load")
    assert [u for u in requests if not u.startswith(("file:", "data:", "about:"))] == []
    assert page.inner_text("#total-cases") == str(cases.height)
    assert page.inner_text("#hold-cases") == str(cases.filter(pl.col("severity") == "hold").height)
    assert page.locator("svg.chart").count() == 3
    box = page.locator("svg.chart").first.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 50
    # the linked groups of households: the planted rings drawn, flagged ones first
    groups = json.loads((tmp_path / "components.json").read_text(encoding="utf-8"))
    flagged = [g for g in groups["groups"] if g["flagged"]]
    assert len(flagged) == 2 and page.locator("svg.graph").count() >= 2
    first = page.locator("svg.graph").first
    assert first.get_attribute("data-component") == flagged[0]["component"]
    assert first.locator("circle.household").count() == flagged[0]["n_households"]
    text = page.inner_text("body")
    assert "死亡人员仍在领取救助金" in text
    assert not any(number in text for number in cases["id_number"].drop_nulls().to_list())
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    page.close()
