"""org_resolve_pg.py — the PostgreSQL side of the org_resolve benchmark.

  sql FILE [NAME]        print the SQL constant NAME of a C source file (core/store/
                         group_store.c): `static const char NAME[] = "…" "…";` or a #define,
                         string pieces joined, macros of the same file expanded. Without NAME,
                         the one SQL_* constant whose name contains RESOLVE (an error when there are
                         none or several, listing them). So the benchmark runs the statement
                         the core runs, read from the source at run time, and cannot drift.
  script SQLFILE MAP     print a pgbench script running that statement once: MAP names what
                         each $n is ("1=group_id,2=account_id,3=at"); the values come from
                         pgbench variables of those names (the script sets account_id,
                         campus_id and class_id at random, -D sets group_id and at).
  log LABEL SECONDS FILE…  percentiles of pgbench --log files (per-transaction latency in µs,
                         from the scheduled time under --rate) as one key=value line.
"""
import re
import statistics
import sys


def c_constants(src):
    """name → (params or None, C expression text), for #defines (object- and function-like)
    and `static const char NAME[] = …;`, comments removed."""
    src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)
    src = re.sub(r"(?m)//[^\n\"]*$", " ", src)
    src = src.replace("\\\n", " ")
    out = {}
    for m in re.finditer(r"(?m)^[ \t]*#define[ \t]+([A-Za-z_]\w*)(\(([^)]*)\))?[ \t]*(.*)$", src):
        params = [x.strip() for x in m.group(3).split(",")] if m.group(2) else None
        out[m.group(1)] = (params, m.group(4))
    for m in re.finditer(r"static\s+const\s+char\s+(?:\*\s*const\s+)?([A-Za-z_]\w*)\s*(?:\[\s*\])?"
                         r"\s*=\s*((?:\"(?:[^\"\\]|\\.)*\"|[\s\w(),])+);", src):
        out[m.group(1)] = (None, m.group(2))
    return out


def tokens(text):
    toks = []
    for t in re.finditer(r"\"((?:[^\"\\]|\\.)*)\"|([A-Za-z_]\w*)|([(),])|(\S)", text):
        if t.group(4):
            sys.exit(f"org_resolve_pg: cannot read {t.group(4)!r} in a SQL constant")
        if t.group(1) is not None:
            toks.append(("s", t.group(1)))
        elif t.group(2):
            toks.append(("id", t.group(2)))
        else:
            toks.append((t.group(3), t.group(3)))
    return toks


def evaluate(toks, consts, depth=0):
    """The string a sequence of C string literals and macro uses stands for."""
    if depth > 20:
        sys.exit("org_resolve_pg: macros nest too deep")
    parts, i = [], 0
    while i < len(toks):
        kind, v = toks[i]
        i += 1
        if kind == "s":
            parts.append(re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), v))
            continue
        if kind != "id" or v not in consts:
            sys.exit(f"org_resolve_pg: {v} is not a string or a macro of the file")
        params, body = consts[v]
        body_toks = tokens(body)
        if params is not None:
            if i >= len(toks) or toks[i][0] != "(":
                sys.exit(f"org_resolve_pg: {v} used without arguments")
            args, cur, level = [], [], 0
            i += 1
            while True:
                k, w = toks[i]
                i += 1
                if k == "(":
                    level += 1
                elif k == ")":
                    if level == 0:
                        break
                    level -= 1
                elif k == "," and level == 0:
                    args.append(cur); cur = []
                    continue
                cur.append((k, w))
            args.append(cur)
            bind = dict(zip(params, args))
            body_toks = [t for bt in body_toks for t in (bind[bt[1]] if bt[0] == "id" and bt[1] in bind else [bt])]
        parts.append(evaluate(body_toks, consts, depth + 1))
    return "".join(parts)


def expand(name, consts):
    return evaluate(tokens(consts[name][1]), consts)


def cmd_sql(path, name=None):
    consts = c_constants(open(path, encoding="utf-8").read())
    if name is None:
        cands = [n for n in consts if "RESOLVE" in n.upper() and n.startswith("SQL_")]
        if len(cands) != 1:
            sys.exit(f"org_resolve_pg: want exactly one SQL constant named *RESOLVE* in {path}, "
                     f"found {cands or 'none'}; name it (BENCH_RESOLVE_SQL_NAME)")
        name = cands[0]
    if name not in consts:
        sys.exit(f"org_resolve_pg: no constant {name} in {path}")
    sql = expand(name, consts)
    print(f"-- {name} from {path}", file=sys.stderr)
    print(sql)


def cmd_script(sqlfile, mapping):
    sql = open(sqlfile, encoding="utf-8").read().strip().rstrip(";")
    names = dict(kv.split("=", 1) for kv in mapping.split(",") if kv)
    used = set(int(n) for n in re.findall(r"\$(\d+)", sql))
    missing = used - set(int(k) for k in names)
    if missing:
        sys.exit(f"org_resolve_pg: the statement uses ${sorted(missing)} but the map names only "
                 f"{mapping}; set BENCH_RESOLVE_PARAMS")
    # Highest first, so $1 does not eat the start of $10.
    for n in sorted(used, reverse=True):
        sql = sql.replace(f"${n}", f":{names[str(n)]}")
    # pgbench takes one statement per line (a backslash at a line's end continues it).
    sql = " ".join(sql.split())
    print("\\set student random(1, 50000)")
    print("\\set campus_id 30000000 + :student")
    print("\\set account_id :account_base + :student")
    print("\\set class_id 1001 + (:student - 1) / 25")
    print(sql + ";")


def cmd_log(label, seconds, files):
    lat, n = [], 0
    for f in files:
        for line in open(f, encoding="ascii"):
            p = line.split()
            if len(p) >= 3 and p[2] != "skipped" and p[2] != "failed":
                lat.append(float(p[2]))
            n += 1
    errors = n - len(lat)
    lat.sort()

    def pct(q):
        return lat[min(len(lat) - 1, int(len(lat) * q))] if lat else 0.0

    print(f"label={label} samples={len(lat)} calls_per_s={len(lat) / float(seconds):.1f} "
          f"p50_us={pct(0.50):.0f} p90_us={pct(0.90):.0f} p99_us={pct(0.99):.0f} "
          f"max_us={lat[-1] if lat else 0:.0f} mean_us={statistics.fmean(lat) if lat else 0:.0f} "
          f"errors={errors}")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "sql" and 1 <= len(args) <= 2:
        cmd_sql(*args)
    elif cmd == "script" and len(args) == 2:
        cmd_script(*args)
    elif cmd == "log" and len(args) >= 3:
        cmd_log(args[0], args[1], args[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
