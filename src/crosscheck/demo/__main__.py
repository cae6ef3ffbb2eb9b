"""python -m crosscheck.demo OUT_DIR [--seed 2022] [--month 2022-12] [--scale 1.0] [--household-factor 3.3]"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from crosscheck.demo import HOUSEHOLD_FACTOR, generate_county


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m crosscheck.demo",
                                 description="Write a synthetic county's month folder.")
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--seed", type=int, default=2022)
    ap.add_argument("--month", default="2022-12")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--household-factor", type=float, default=HOUSEHOLD_FACTOR,
                    help="户籍 people per roster row (default %(default)s)")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    config = generate_county(args.out_dir, seed=args.seed, month=args.month, scale=args.scale,
                             household_factor=args.household_factor)
    print(f"{config}  ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
