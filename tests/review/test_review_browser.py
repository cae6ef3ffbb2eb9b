"""The review page in headless Chromium, on the real server (`crosscheck review serve` in a
subprocess) and a store filled by real `crosscheck run --store` runs of fixtures/county-small:
log in, filter, open a case, dismiss it with a reason from the keyboard, see it leave the pending
queue; the next run does not raise it again (off the hold list); a run on edited evidence does.
Screenshots of the list and a case page go to test-artifacts/."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import polars as pl
import pytest
from browser_support import ARTIFACTS, browser  # noqa: F401 (the fixture)
from conftest import COUNTY, PASSWORD, ROOT, add_users, run_county
from test_review_carry_over import DEAD_ROW, copy_county, edit_death_record, hold_case_ids


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path):
    """A store after one run, and the real review server on it (a subprocess on a free port)."""
    store = tmp_path / "review.db"
    run_county(COUNTY / "month.yaml", tmp_path / "run1", store)
    add_users(store)
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen([sys.executable, "-m", "crosscheck", "review", "serve", "--store", str(store),
                             "--port", str(port), "--insecure-cookies"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/login", timeout=1)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"the review server did not start: {proc.stdout.read().decode(errors='replace')}")
            time.sleep(0.2)
    try:
        yield base, store, tmp_path
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_dismiss_in_the_browser_then_carry_over_and_reopen_on_new_evidence(browser, server) -> None:
    base, store, tmp = server
    cases = pl.read_parquet(tmp / "run1" / "cases.parquet")
    dead = cases.filter(pl.col("source_ref") == DEAD_ROW).row(0, named=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))

    page.goto(base + "/cases")
    assert page.url.endswith("/login")
    page.fill("input[name=username]", "insp")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/cases")
    assert page.inner_text("#count").startswith(f"共 {cases.height} 条")
    body = page.inner_text("body")
    assert not any(n in body for n in cases["id_number"].drop_nulls().to_list())
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-list.png"), full_page=True)

    # filter: deaths still pending
    page.select_option("select[name=rule]", "deceased")
    page.select_option("select[name=state]", "pending")
    with page.expect_navigation():
        page.click("#filters button[type=submit]")
    n_dead = cases.filter(pl.col("rule_id") == "deceased").height
    assert page.inner_text("#count").startswith(f"共 {n_dead} 条")
    page.click(f"tr[data-case='{dead['case_id']}'] a")
    page.wait_for_url(f"**/cases/{dead['case_id']}?*")
    assert "死亡日期" in page.inner_text("#sides") and "2022-11-02" in page.inner_text("#sides")
    assert "死亡记录" in page.inner_text("#explanation")
    assert dead["id_number"] not in page.inner_text("body")
    page.screenshot(path=str(ARTIFACTS / "review-case.png"), full_page=True)

    # keyboard: d focuses the required reason, Enter dismisses, the queue moves on to the next pending case
    page.keyboard.press("d")
    assert page.evaluate("document.activeElement.id") == "reason"
    page.keyboard.type("死亡记录系错录，本人已到村委会当面核实健在")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: dead["case_id"] not in url.split("?")[0])
    assert page.inner_text("#state") == "待核查"
    page.goto(base + "/cases?month=2022-12&rule=deceased&state=pending")
    assert page.inner_text("#count").startswith(f"共 {n_dead - 1} 条")
    assert page.locator(f"tr[data-case='{dead['case_id']}']").count() == 0
    page.goto(base + f"/cases/{dead['case_id']}")
    assert page.inner_text("#state") == "不属实" and "本人已到村委会当面核实健在" in page.inner_text("#history")

    # a graph rule shows the path between households
    shared = cases.filter(pl.col("rule_id") == "shared_account").row(0, named=True)
    page.goto(base + f"/cases/{shared['case_id']}")
    assert "关联路径" in page.inner_text("body") and "同时用于" in page.inner_text("#explanation")

    # the next run on the same store: not raised again, off the hold list
    run_county(copy_county(tmp / "county-run2", "2023-01"), tmp / "run2", store)
    second = pl.read_parquet(tmp / "run2" / "cases.parquet")
    assert second.filter(pl.col("case_id") == dead["case_id"])["review_state"].to_list() == ["carried_dismissed"]
    assert dead["case_id"] not in hold_case_ids(tmp / "run2")
    page.goto(base + "/cases?month=2023-01&rule=deceased&state=pending")
    assert page.locator(f"tr[data-case='{dead['case_id']}']").count() == 0

    # a run on edited evidence raises it again: pending, in the queue, on the hold list
    config = copy_county(tmp / "county-run3", "2023-02")
    edit_death_record(config.parent)
    run_county(config, tmp / "run3", store)
    assert dead["case_id"] in hold_case_ids(tmp / "run3")
    page.goto(base + "/cases?month=2023-02&rule=deceased&state=pending")
    row = page.locator(f"tr[data-case='{dead['case_id']}']")
    assert row.count() == 1 and "证据已变化" in row.inner_text()
    third = pl.read_parquet(tmp / "run3" / "cases.parquet").filter(pl.col("rule_id") == "deceased")
    assert page.inner_text("#count").startswith(f"共 {third.height} 条")

    # the fast queue: c confirms and moves on to the next pending case; u there undoes that decision
    with page.expect_navigation():
        page.click(f"tr[data-case='{dead['case_id']}'] a")
    page.keyboard.press("c")
    page.wait_for_url(lambda url: dead["case_id"] not in url.split("?")[0])
    assert "已记录为“属实”" in page.inner_text("#flash") and page.locator("#undo-last").count() == 1
    with page.expect_navigation():
        page.keyboard.press("u")
    assert f"/cases/{dead['case_id']}?" in page.url
    assert page.inner_text("#state") == "待核查" and "撤销" in page.inner_text("#history")
    # j / k walk the filtered queue
    with page.expect_navigation():
        page.keyboard.press("j")
    assert dead["case_id"] not in page.url
    with page.expect_navigation():
        page.keyboard.press("k")
    assert f"/cases/{dead['case_id']}?" in page.url

    assert [u for u in requests if not u.startswith(base)] == []
    page.close()
