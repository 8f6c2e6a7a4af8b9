"""table.py — turns benchmark result lines (key=value, one per round) into a markdown table.

Each column is the MEDIAN over the rounds of one label (the rounds run interleaved, so the
median is the least noisy figure on a shared machine); the first column also shows min–max.
Ratios compare two labels' medians of one column (the first unless named), plus the range of
per-round ratios.
It only formats figures: it never decides pass or fail.

usage: table.py FILE --labels a,b --col field:Header [--col …] [--ratio a/b:goal:text[:field] …]
(goal: "1.0" means at least 1.0×, "<=1.2" at most 1.2×; empty for none)
"""
import argparse
import statistics
import sys


def parse(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            kv = dict(p.split("=", 1) for p in line.split() if "=" in p)
            if kv:
                rows.append(kv)
    return rows


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def fmt(v):
    if v is None:
        return "–"
    if v == int(v) and abs(v) < 100:
        return str(int(v))
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--labels", required=True)
    ap.add_argument("--names", default="", help="display names, comma-separated, same order")
    ap.add_argument("--col", action="append", required=True)
    ap.add_argument("--ratio", action="append", default=[])
    a = ap.parse_args()

    rows = parse(a.file)
    labels = a.labels.split(",")
    names = dict(zip(labels, a.names.split(","))) if a.names else {}
    cols = [c.split(":", 1) for c in a.col]
    by_label = {l: [r for r in rows if r.get("label") == l] for l in labels}

    head = ["", "rounds"] + [h for _, h in cols]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    medians = {}
    for l in labels:
        rs = by_label[l]
        cells = [names.get(l, l), str(len(rs))]
        for i, (field, _) in enumerate(cols):
            vals = [v for v in (num(r.get(field)) for r in rs) if v is not None]
            m = statistics.median(vals) if vals else None
            medians[(l, field)] = m
            cell = fmt(m)
            if i == 0 and len(vals) > 1:
                cell += f" ({fmt(min(vals))}–{fmt(max(vals))})"
            cells.append(cell)
        print("| " + " | ".join(cells) + " |")

    for spec in a.ratio:
        pair, _, rest = spec.partition(":")
        goal, _, rest = rest.partition(":")
        text, _, field = rest.partition(":")
        field = field or cols[0][0]
        num_l, den_l = pair.split("/")
        n, d = medians.get((num_l, field)), medians.get((den_l, field))
        if not n or not d:
            print(f"\n{text or pair}: not measured")
            continue
        per_round = []
        for rn, rd in zip(by_label[num_l], by_label[den_l]):
            x, y = num(rn.get(field)), num(rd.get(field))
            if x and y:
                per_round.append(x / y)
        rng = f", per round {min(per_round):.2f}–{max(per_round):.2f}×" if per_round else ""
        # A goal is "1.0" (at least) or "<=1.2" (at most, for costs such as latency ratios).
        if goal.startswith("<="):
            g = f" (goal ≤ {goal[2:]}×)"
        else:
            g = f" (goal ≥ {goal}×)" if goal else ""
        print(f"\n{text or pair}: **{n / d:.2f}×**{g}{rng}")


if __name__ == "__main__":
    sys.exit(main())
