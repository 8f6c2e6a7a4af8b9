"""approvals.py — the Python half of approvals.sh (never run alone).

  approvals.py hash                     a PBKDF2 hash of the approvers' password, 1,000 iterations
  approvals.py login ADDR DSN FILE      logs every approver (every staff account) in to the
                                        core over gRPC; "campus_id token" lines to FILE
  approvals.py list-hex                 ListTasksRequest{box: TODO, page_size: 20}, hex
  approvals.py check ADDR TOKEN         one ListTasks as TOKEN: the counts and the page, on stderr
  approvals.py flood DSN TOKENS READER FILE SEED
                                        the approve flood's requests: every task pending now
                                        except the reader's (and those he sees as a delegate), in
                                        a random order (SEED), one line each for grpc_load
                                        --request-file: ActOnTaskRequest{task_id, APPROVE,
                                        opinion} in hex, a tab, the session of who may act on it
                                        (the assignee, or his delegate of today). Prints the count.
  approvals.py act-check ADDR FILE      the first request of FILE, once: it must approve
  approvals.py pgbench-script SRC       SQL_LIST_TODO then SQL_COUNTS of core/store/approvals_store.c
                                        (read from the source, macros expanded, so pgbench runs
                                        exactly the core's to-do statements) as a pgbench script
"""
import base64
import concurrent.futures
import hashlib
import os
import random
import re
import subprocess
import sys

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import org_resolve_pg  # noqa: E402  (the C-constant reader)

PASSWORD = "Approve-bench-2026"
OPINION = "同意"


def pbkdf2():
    salt = os.urandom(16)
    h = hashlib.pbkdf2_hmac("sha256", PASSWORD.encode(), salt, 1000, 32)
    b = lambda x: base64.urlsafe_b64encode(x).rstrip(b"=").decode()  # noqa: E731
    return f"pbkdf2-sha256$1000${b(salt)}${b(h)}"


# --- protobuf by hand: strings, varints, nested messages are all it takes ----------------------

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def s(field, v):
    b = v.encode()
    return varint(field << 3 | 2) + varint(len(b)) + b


def u(field, v):
    return varint(field << 3) + varint(v)


def fields(buf):
    """Top-level (field, wire type, value) of a message."""
    i = 0

    def rd():
        nonlocal i
        v = sh = 0
        while True:
            c = buf[i]
            i += 1
            v |= (c & 0x7F) << sh
            sh += 7
            if c < 0x80:
                return v
    while i < len(buf):
        key = rd()
        f, wt = key >> 3, key & 7
        if wt == 0:
            v = rd()
        elif wt == 2:
            n = rd()
            v = buf[i:i + n]
            i += n
        elif wt == 1:
            v = buf[i:i + 8]
            i += 8
        elif wt == 5:
            v = buf[i:i + 4]
            i += 4
        else:
            raise SystemExit(f"approvals.py: unexpected wire type {wt}")
        yield f, wt, v


def psql(dsn, sql):
    r = subprocess.run(["psql", "-d", dsn, "-qAtX", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"approvals.py: psql failed: {r.stderr.strip()}")
    return [line.split("\t") for line in r.stdout.splitlines() if line]


def channel(addr):
    assert addr.rsplit(":", 1)[0] in ("127.0.0.1", "localhost"), "loopback only"
    ch = grpc.insecure_channel(addr)
    grpc.channel_ready_future(ch).result(timeout=10)
    return ch


# --- commands ----------------------------------------------------------------------------------

def login(addr, dsn, out):
    people = [r[0] for r in psql(dsn, "SELECT campus_id FROM accounts WHERE kind = 2 ORDER BY 1")]
    ch = channel(addr)
    call = ch.unary_unary("/ehall.identity.v1.Auth/Login")

    def one(cid):
        try:
            reply = call(s(1, cid) + s(2, PASSWORD) + s(4, "mp"), timeout=30)
        except grpc.RpcError as e:
            raise SystemExit(f"approvals.py: {cid} could not log in: {e.code().name} {e.details()}")
        return cid, next(v for f, _, v in fields(reply) if f == 1).decode()

    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        tokens = list(ex.map(one, people))
    ch.close()
    with open(out, "w") as f:
        f.write("".join(f"{cid} {tok}\n" for cid, tok in tokens))
    print(f"  {len(tokens)} approvers logged in", file=sys.stderr)


def list_hex():
    return (u(1, 1) + u(5, 20)).hex()  # box TODO, page_size 20


def check(addr, token):
    ch = channel(addr)
    try:
        reply = ch.unary_unary("/ehall.approvals.v1.Approvals/ListTasks")(
            bytes.fromhex(list_hex()), metadata=(("authorization", "Bearer " + token),), timeout=30)
    except grpc.RpcError as e:
        raise SystemExit(f"approvals.py: ListTasks failed: {e.code().name} {e.details()}")
    fs = list(fields(reply))
    tasks = [dict((f, v) for f, _, v in fields(v)) for f, _, v in fs if f == 1]
    n = {f: v for f, wt, v in fs if wt == 0}
    if not tasks:
        raise SystemExit("approvals.py: the reader's to-do list is empty")
    first = tasks[0]
    print(f"  reader's to-do: {len(tasks)} on the page of {n.get(7, 0)}; to-do {n.get(3, 0)}, overdue "
          f"{n.get(4, 0)}, done {n.get(5, 0)}; first: {first.get(3, b'').decode()} "
          f"{first.get(5, b'').decode()} {first.get(6, b'').decode()} ({first.get(8, b'').decode()}) "
          f"{first.get(10, b'').decode()}", file=sys.stderr)
    ch.close()


def flood(dsn, tokens_file, reader, out, seed):
    tokens = dict(line.split() for line in open(tokens_file) if line.strip())
    # Who acts on each pending task: the assignee, or today's delegate who sees it in his to-do
    # (the delegation for every group or for the step's); never the reader's tasks.
    rows = psql(dsn, f"""
WITH r AS (SELECT id FROM accounts WHERE campus_id = '{reader}'),
d AS (SELECT d.from_account_id, d.to_account_id, d.group_id FROM delegations d
      WHERE d.ended_at IS NULL AND (now() AT TIME ZONE 'Asia/Shanghai')::date BETWEEN d.start_date AND d.end_date)
SELECT t.id, coalesce((SELECT a.campus_id FROM d JOIN accounts a ON a.id = d.to_account_id
                       WHERE d.from_account_id = t.assignee_id
                         AND (d.group_id IS NULL OR d.group_id = s.group_id) LIMIT 1), w.campus_id)
FROM approval_tasks t JOIN approval_steps s ON s.id = t.step_id JOIN accounts w ON w.id = t.assignee_id
WHERE t.state = 1 AND t.kind <> 4 AND t.assignee_id <> (SELECT id FROM r)
  AND NOT EXISTS (SELECT 1 FROM d WHERE d.to_account_id = (SELECT id FROM r) AND d.from_account_id = t.assignee_id)
ORDER BY t.id""")
    random.Random(int(seed)).shuffle(rows)
    with open(out, "w") as f:
        for task_id, who in rows:
            req = s(1, task_id) + u(2, 1) + s(3, OPINION)  # APPROVE
            f.write(f"{req.hex()}\tauthorization:Bearer {tokens[who]}\n")
    print(len(rows))


def act_check(addr, path):
    hexreq, md = open(path).readline().rstrip("\n").split("\t")
    key, _, value = md.partition(":")
    ch = channel(addr)
    try:
        reply = ch.unary_unary("/ehall.approvals.v1.Approvals/ActOnTask")(
            bytes.fromhex(hexreq), metadata=((key, value),), timeout=30)
    except grpc.RpcError as e:
        raise SystemExit(f"approvals.py: ActOnTask (APPROVE) failed: {e.code().name} {e.details()}")
    fs = list(fields(reply))
    state = next((v for f, wt, v in fs if f == 2 and wt == 0), 0)
    nxt = [v.decode() for f, _, v in fs if f == 3]
    print(f"  an approval: the application is now in state {state}"
          f"{', next: ' + ', '.join(nxt) if nxt else ''}", file=sys.stderr)
    ch.close()


def pgbench_script(src):
    consts = org_resolve_pg.c_constants(open(src, encoding="utf-8").read())
    # The parameters of store_appr_list as the to-do box's first page sends them: $1 the caller,
    # $2 service filter '', $3 college filter '', $4 overdue only, $5 the page token (0: first
    # page), $6 the page size. pgbench sends its variables as parameters of
    # statements prepared once per connection (-M prepared), as the core sends them. '' cannot
    # be a -D value: each client sets :svc and :college to '' once, from a query (\gset, while
    # :init is 0), so they too are parameters, as in the core (a literal would give PostgreSQL
    # a more specific plan than the core gets).
    subst = {"1": ":caller", "2": ":svc", "3": ":college", "4": ":overdue", "5": ":before",
             "6": ":lim"}
    out = ["\\if :init = 0", "SELECT '' AS svc, '' AS college, 1 AS init \\gset", "\\endif"]
    for name in ("SQL_LIST_TODO", "SQL_COUNTS"):
        if name not in consts:
            raise SystemExit(f"approvals.py: no {name} in {src}")
        sql = org_resolve_pg.expand(name, consts)
        sql = re.sub(r"\$(\d+)", lambda m: subst[m.group(1)], sql)
        out.append(" ".join(sql.split()) + ";")
    return "\n".join(out) + "\n"


def main():
    a = sys.argv[1:]
    if a == ["hash"]:
        print(pbkdf2())
    elif len(a) == 4 and a[0] == "login":
        login(a[1], a[2], a[3])
    elif a == ["list-hex"]:
        print(list_hex())
    elif len(a) == 3 and a[0] == "check":
        check(a[1], a[2])
    elif len(a) == 6 and a[0] == "flood":
        flood(*a[1:])
    elif len(a) == 3 and a[0] == "act-check":
        act_check(a[1], a[2])
    elif len(a) == 2 and a[0] == "pgbench-script":
        sys.stdout.write(pgbench_script(a[1]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
