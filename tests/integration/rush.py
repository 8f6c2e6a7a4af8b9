"""rush.py — what the booking rush test and the rush benchmark share: many student accounts
made in one statement (their password hashes carry a cheap cost, which the core reads from each
hash), their logins, and the audit of a rush's outcome in PostgreSQL. Not a test file itself.
"""
import concurrent.futures
import uuid

from identity_fixtures import DEFAULT_PASSWORD, login, pbkdf2, psql


def make_students(dsn, n, unit="", prefix="r"):
    """n new student accounts (all with DEFAULT_PASSWORD, 1,000 PBKDF2 iterations) placed in
    `unit` when given; their campus ids."""
    tag = prefix + uuid.uuid4().hex[:8]
    psql(dsn, "INSERT INTO accounts (campus_id, name, kind, org_unit, password_hash,"
              " must_change_password) SELECT :'v1' || '-' || i, '学生' || i, 1, :'v3', :'v2', false"
              " FROM generate_series(1, :'v4'::int) i", tag, pbkdf2(DEFAULT_PASSWORD), unit, n)
    psql(dsn, "INSERT INTO account_roles (account_id, role) SELECT id, 'student' FROM accounts"
              " WHERE campus_id LIKE :'v1' || '-%'", tag)
    if unit:
        psql(dsn, "INSERT INTO person_units (account_id, unit_id) SELECT a.id, u.id"
                  " FROM accounts a, org_units u WHERE a.campus_id LIKE :'v1' || '-%'"
                  " AND u.code = :'v2'", tag, unit)
    return [f"{tag}-{i}" for i in range(1, n + 1)]


def login_all(channel, campus_ids, threads=16):
    """Session tokens, in campus_ids' order (the real Login, several at once)."""
    with concurrent.futures.ThreadPoolExecutor(threads) as ex:
        return list(ex.map(lambda c: login(channel, c), campus_ids))


def audit(dsn, slot_id, acked_ids):
    """What PostgreSQL holds after a rush on slot_id, against the booking ids the clients were
    told they got: capacity, the slot's count, live bookings, distinct people, people holding
    two, acknowledged ids missing (or not live)."""
    cap, booked, live, people, doubled = psql(
        dsn, "SELECT s.capacity, s.booked,"
             " (SELECT count(*) FROM bookings k WHERE k.slot_id = s.id AND k.state IN (1, 2, 3)),"
             " (SELECT count(DISTINCT account_id) FROM bookings k WHERE k.slot_id = s.id"
             "  AND k.state IN (1, 2, 3)),"
             " (SELECT count(*) FROM (SELECT account_id FROM bookings k WHERE k.slot_id = s.id"
             "  AND k.state IN (1, 2, 3) GROUP BY account_id HAVING count(*) > 1) d)"
             " FROM booking_slots s WHERE s.id = :'v1'", slot_id)[0]
    ids = ",".join(str(int(i)) for i in acked_ids) or "0"
    present = int(psql(dsn, "SELECT count(*) FROM bookings WHERE slot_id = :'v1'"
                            " AND state IN (1, 2, 3) AND id = ANY (string_to_array(:'v2', ',')"
                            "::bigint[])", slot_id, ids)[0][0])
    return {"capacity": int(cap), "booked": int(booked), "live": int(live),
            "people": int(people), "doubled": int(doubled),
            "acked": len(set(acked_ids)), "acked_missing": len(set(acked_ids)) - present,
            "oversold": max(0, int(live) - int(cap))}
