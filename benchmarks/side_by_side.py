"""Shared by the side-by-side benchmarks: run one contender in a child process, score its pairs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import polars as pl


def run_contender(name: str, script: Path | str, data: Path, out: Path, *extra: str) -> dict:
    """`python SCRIPT DATA OUT EXTRA...` in a child process: its own timing (the last JSON line it
    prints, {"seconds": ...}), the process's wall time and its peak RSS (from wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(script), str(data), str(out), *extra], stdout=subprocess.PIPE, text=True)
    stdout = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        return {"contender": name, "error": f"exit {code}"}
    reported = json.loads(stdout.strip().splitlines()[-1])
    return {"contender": name, "seconds": reported["seconds"], "process_seconds": round(time.perf_counter() - start, 2),
            "peak_mb": round(usage.ru_maxrss / 1024), "pred": out}


def quality(pred: Path, truth: pl.DataFrame) -> dict:
    """Pairs (`l`, `r`) against the true pairs: precision, recall, F1."""
    p = pl.read_parquet(pred).select("l", "r").unique()
    tp = p.join(truth, on=["l", "r"]).height
    precision = tp / p.height if p.height else 0.0
    recall = tp / truth.height
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return {"pairs": p.height, "true_pairs": tp, "precision": round(precision, 5), "recall": round(recall, 5),
            "f1": round(f1, 5)}
