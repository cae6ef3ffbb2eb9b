"""Drawings of linked groups for report.html: inline SVG, no script, no network.

Households sit on a circle (households of one family side by side, joined by a dashed line); each
shared identifier is a small diamond joined to the households that share it, coloured by kind.
Only masked labels are drawn (household ids, masked accounts, phones, payees and addresses).
"""

from __future__ import annotations

import html
import math

COLOURS = {"account": "#b00020", "payee": "#6a1b9a", "phone": "#1565c0", "address": "#2e7d32"}
WIDTH, HEIGHT = 460, 380
MAX_DRAWN = 40


def _layout(households: list[dict]) -> dict[str, tuple[float, float]]:
    """Households on a circle, ordered by family so that a family's households are neighbours."""
    ordered = sorted(households, key=lambda h: (h["family"], h["household_id"]))
    n = len(ordered)
    radius = min(150.0, 60.0 + 14.0 * n)
    cx, cy = WIDTH / 2, HEIGHT / 2 + 8
    return {h["household_id"]: (cx + radius * math.cos(2 * math.pi * i / n - math.pi / 2),
                                cy + radius * math.sin(2 * math.pi * i / n - math.pi / 2))
            for i, h in enumerate(ordered)}


def svg_group(group: dict, kind_labels: dict[str, str]) -> str:
    """One linked group (an entry of components.json) as an SVG drawing; of a very large group, the
    first MAX_DRAWN households (by family) and a note of how many more there are."""
    households = sorted(group["households"], key=lambda h: (h["family"], h["household_id"]))
    left_out = max(len(households) - MAX_DRAWN, 0)
    group = {**group, "households": households[:MAX_DRAWN]}
    pos = _layout(group["households"])
    cx, cy = WIDTH / 2, HEIGHT / 2 + 8
    title = f"关联组 {group['component']}：{group['n_households']}户，可疑度 {group['score']:g}"
    out = [f'<svg class="graph" role="img" aria-label="{html.escape(title)}" width="{WIDTH}" height="{HEIGHT}" '
           f'font-size="10" data-component="{html.escape(group["component"])}">']
    families: dict[str, list[str]] = {}
    for h in group["households"]:
        families.setdefault(h["family"], []).append(h["household_id"])
    for members in families.values():
        for a, b in zip(members, members[1:]):
            (x1, y1), (x2, y2) = pos[a], pos[b]
            out.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#888" '
                       f'stroke-dasharray="4 3"><title>同一家庭</title></line>')
    for tie in group["ties"]:
        points = [pos[h] for h in tie["households"] if h in pos]
        if not points:
            continue
        tx = sum(p[0] for p in points) / len(points)
        ty = sum(p[1] for p in points) / len(points)
        tx, ty = cx + (tx - cx) * 0.75, cy + (ty - cy) * 0.75  # pulled in, off the chord
        colour = COLOURS.get(tie["kind"], "#555")
        words = html.escape(f"{kind_labels.get(tie['kind'], tie['kind'])} {tie['label']}：{len(points)}户")
        for x, y in points:
            out.append(f'<line x1="{tx:.1f}" y1="{ty:.1f}" x2="{x:.1f}" y2="{y:.1f}" stroke="{colour}" stroke-width="1.5"/>')
        out.append(f'<path class="tie" d="M{tx:.1f} {ty - 6:.1f} L{tx + 6:.1f} {ty:.1f} L{tx:.1f} {ty + 6:.1f} '
                   f'L{tx - 6:.1f} {ty:.1f} Z" fill="{colour}"><title>{words}</title></path>')
        if len(group["ties"]) <= 8:  # small groups: the identifier printed too (reports get printed)
            out.append(f'<text x="{tx + 8:.1f}" y="{ty - 6:.1f}" fill="{colour}" font-size="9">'
                       f'{html.escape(tie["label"])}</text>')
    for h in group["households"]:
        x, y = pos[h["household_id"]]
        anchor = "start" if x >= cx else "end"
        dx = 9 if x >= cx else -9
        out.append(f'<circle class="household" cx="{x:.1f}" cy="{y:.1f}" r="7" fill="#fff" stroke="#222" stroke-width="1.5">'
                   f'<title>{html.escape(h["household_id"])}</title></circle>')
        out.append(f'<text x="{x + dx:.1f}" y="{y + 4:.1f}" text-anchor="{anchor}">{html.escape(h["household_id"])}</text>')
    legend = [(k, kind_labels.get(k, k)) for k in COLOURS if any(t["kind"] == k for t in group["ties"])]
    for i, (kind, label) in enumerate(legend):
        out.append(f'<rect x="{8 + i * 90}" y="6" width="10" height="10" fill="{COLOURS[kind]}"/>'
                   f'<text x="{22 + i * 90}" y="15">{html.escape(label)}</text>')
    if left_out:
        out.append(f'<text class="left-out" x="{WIDTH - 8}" y="{HEIGHT - 8}" text-anchor="end">'
                   f'另有{left_out}户未画出，见关联组清单</text>')
    out.append("</svg>")
    return "".join(out)


def groups_section(export: dict, kind_labels: dict[str, str], *, top: int = 6) -> str:
    """The report's section on linked groups: drawings of the top groups (flagged first, then by
    score) and the identifiers left out by their cap."""
    groups = sorted(export.get("groups", []), key=lambda g: (not g["flagged"], -g["score"], g["component"]))[:top]
    parts = []
    if groups:
        parts.append('<div class="pair">')
        for g in groups:
            kinds = "、".join(f"{kind_labels.get(k.split(':')[0], k)}{k.split(':')[1]}个" for k in g["kinds"].split(","))
            flag = "（已列为疑点）" if g["flagged"] else ""
            parts.append(f'<figure>{svg_group(g, kind_labels)}<figcaption>关联组 {html.escape(g["component"])}{flag}：'
                         f'{g["n_households"]}户、{g["n_families"]}个家庭，{html.escape(kinds)}，可疑度 {g["score"]:g}'
                         f'</figcaption></figure>')
        parts.append("</div>")
    else:
        parts.append("<p>本月没有相互关联的家庭。</p>")
    capped = export.get("capped", [])
    if capped:
        words = {"family": "多户共有的成员", **kind_labels}  # family: a person in more households than family_cap
        rows = "".join(f"<tr><td>{html.escape(words.get(c['kind'], c['kind']))}</td><td>{html.escape(c['label'])}</td>"
                       f'<td class="num">{c["n_families"]}</td><td class="num">{c["n_households"]}</td></tr>'
                       for c in capped[:50])
        parts.append("<h3>超过上限、未作关联的标识（多为楼栋、机构或村委会电话，请核实）</h3>"
                     f"<table id='capped'><thead><tr><th>类型</th><th>标识（已脱敏）</th><th>家庭数</th><th>户数</th></tr>"
                     f"</thead><tbody>{rows}</tbody></table>")
    return "\n".join(parts)
