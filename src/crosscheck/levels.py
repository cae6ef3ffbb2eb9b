"""The comparison levels of the person-matching core, per field, in order: the null level first,
then from the strongest agreement to disagreement (the first level a pair meets is its level).

`compare` computes them and `scoring` weighs them (rules/matching.yaml names exactly these); they
live apart so that reading the rules does not load the comparison code and its numerical
libraries (numpy, rapidfuzz), which the monthly run imports in the background while reading.
"""

from __future__ import annotations

ID_LEVELS = ("null", "exact", "legacy15", "keystroke_checked", "keystroke_legacy", "twin_or_neighbour", "different")
NAME_LEVELS = ("null", "exact", "normalized", "pinyin", "close", "different")
BIRTH_LEVELS = ("null", "exact", "different")
