"""scripts/bench kept-designs: what a restorable delete costs on SQLite by how it keeps what it deletes.

    bench_kept_designs.py --contacts N --dir DIR [--batch B]

No cluster: one SQLite database with the shard's tables, indexes and pragmas (SQLiteSchema.swift,
SQLiteShardStore.swift: auto_vacuum INCREMENTAL, WAL, synchronous NORMAL, temp_store MEMORY, a
64 MiB cache), one org of N contacts x 2 conversations x 5 messages (no applications) written in
seq order as an import writes them, copied aside; then, each on its own copy, org-wide batches
of B contacts (2,000), each batch one transaction of set-based statements as the shard's
(temp.delete_batch chosen by contacts_by_org in seq order; the audit entry, the notification and
the outbox event of each contact; the slice's checkpoint row):

  (a) permanent: the permanent delete (SQLiteDeleteStatements, no copy);
  (b) copy: the restorable delete of schema 6, every row copied into the kept_* mirror tables,
      and its restore (new seqs, the cascade copied back, the kept rows deleted);
  (c) in place: PostgreSQL's design on SQLite, which schema 7 adopted (SQLiteDeleteStatements,
      SQLiteRestoreStatements). Only the contacts move, to kept_contacts with their
      conversation/message counts; conversations and messages stay under the kept seq; the org's
      kept_totals row goes up by the batch's counts (stats subtract it). Its restore puts each
      contact back under its old seq (no cascade to move) and lowers kept_totals; then a second
      delete (c) of the restored data, and the purge of what it kept: 200 kept contacts a step
      (PurgeLoop.stepSize), their cascade deleted by their kept seqs, each step a transaction.

For each phase: contacts/s over its batches (wall clock), the process's CPU, the bytes it wrote
(write() calls: WAL frames and checkpoints into the database, /proc/self/io wchar) and the growth
of the database file. Each restore is checked against the copy it started from (every contact's
columns, the counts of every table; (c): the same seq). Prints the ratios against the goals."""
import argparse
import json
import os
import shutil
import sqlite3
import statistics
import time

ORG = "large"
JOB_A, JOB_B, JOB_C, JOB_C2 = "job-a-permanent", "job-b-copy", "job-c-in-place", "job-c-second"
RESTORE_B, RESTORE_C = "job-b-restore", "job-c-restore"
REQUESTER = "u-bench"
PURGE_STEP, PURGE_ROWS = 200, 5_000  # PurgeLoop.stepSize, stepRows
RESTORABLE_GOAL, RESTORE_GOAL = 0.8, 0.8

PRAGMAS = ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=1000;"
           " PRAGMA temp_store=MEMORY; PRAGMA cache_size=-65536")

RECORD_FIELDS = """slot INTEGER NOT NULL, stage_id TEXT, assigned_to TEXT,
    name TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]', source TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, version INTEGER NOT NULL"""
RECORD_DATA = "slot, stage_id, assigned_to, name, email, phone, tags, source, created_at, updated_at"
CONTACT_COLUMNS = "seq, org, id, %s, version" % RECORD_DATA
CONVERSATION_COLUMNS = "org, contact_seq, id, channel, created_at"
MESSAGE_COLUMNS = "org, contact_seq, id, conversation_id, direction, body, created_at"

# SQLiteSchema.statements, the tables a contact delete touches (restated: the Swift interpolates).
SCHEMA = [
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    "CREATE TABLE contacts (seq INTEGER PRIMARY KEY, org TEXT NOT NULL, id TEXT NOT NULL, %s, UNIQUE (org, id))" % RECORD_FIELDS,
    "CREATE INDEX contacts_by_org ON contacts (org)",
    "CREATE INDEX contacts_by_stage ON contacts (org, stage_id)",
    "CREATE INDEX contacts_by_assignee ON contacts (org, assigned_to)",
    "CREATE TABLE applications (org TEXT NOT NULL, id TEXT NOT NULL, contact_id TEXT NOT NULL, %s, UNIQUE (org, id))" % RECORD_FIELDS,
    "CREATE INDEX applications_by_org ON applications (org)",
    "CREATE INDEX applications_by_contact ON applications (org, contact_id)",
    """CREATE TABLE conversations (org TEXT NOT NULL, contact_seq INTEGER NOT NULL, id TEXT NOT NULL,
        channel TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL, PRIMARY KEY (org, contact_seq, id)) WITHOUT ROWID""",
    """CREATE TABLE messages (org TEXT NOT NULL, contact_seq INTEGER NOT NULL, id TEXT NOT NULL, conversation_id TEXT NOT NULL,
        direction TEXT NOT NULL DEFAULT '', body TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL,
        PRIMARY KEY (org, contact_seq, id)) WITHOUT ROWID""",
    """CREATE TABLE audit_entries (seq INTEGER PRIMARY KEY, org TEXT NOT NULL, type TEXT NOT NULL, job_id TEXT NOT NULL,
        actor TEXT NOT NULL, record_id TEXT NOT NULL, snapshot TEXT NOT NULL, created_at INTEGER NOT NULL)""",
    "CREATE INDEX audit_entries_by_org ON audit_entries (org, type, seq)",
    """CREATE TABLE notifications (seq INTEGER PRIMARY KEY, org TEXT NOT NULL, user_id TEXT NOT NULL, type TEXT NOT NULL,
        record_id TEXT NOT NULL, job_id TEXT NOT NULL, created_at INTEGER NOT NULL)""",
    "CREATE INDEX notifications_by_user ON notifications (org, user_id, seq)",
    """CREATE TABLE delete_slices (job_id TEXT PRIMARY KEY, org TEXT NOT NULL, requester TEXT NOT NULL, filter BLOB NOT NULL,
        watermark INTEGER NOT NULL, counters BLOB NOT NULL, status INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,
        kind INTEGER NOT NULL DEFAULT 0, permanent INTEGER NOT NULL DEFAULT 0, restores TEXT)""",
    """CREATE TABLE event_outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, org TEXT NOT NULL, type TEXT NOT NULL,
        payload TEXT NOT NULL, created_at INTEGER NOT NULL)""",
    "CREATE TABLE kept_purges (job_id TEXT PRIMARY KEY) WITHOUT ROWID",
]

# (b): schema 6's mirror tables.
KEPT_COPY = [
    "CREATE TABLE kept_contacts (job_id TEXT NOT NULL, seq INTEGER NOT NULL, org TEXT NOT NULL, id TEXT NOT NULL, %s,"
    " PRIMARY KEY (job_id, seq)) WITHOUT ROWID" % RECORD_FIELDS,
    """CREATE TABLE kept_conversations (job_id TEXT NOT NULL, org TEXT NOT NULL, contact_seq INTEGER NOT NULL, id TEXT NOT NULL,
        channel TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (job_id, contact_seq, id)) WITHOUT ROWID""",
    """CREATE TABLE kept_messages (job_id TEXT NOT NULL, org TEXT NOT NULL, contact_seq INTEGER NOT NULL, id TEXT NOT NULL,
        conversation_id TEXT NOT NULL, direction TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL,
        PRIMARY KEY (job_id, contact_seq, id)) WITHOUT ROWID""",
]

# (c): the contacts only, with their cascade's counts, and the org's kept totals (PostgresSchema.keptTables).
KEPT_IN_PLACE = [
    "CREATE TABLE kept_contacts (job_id TEXT NOT NULL, seq INTEGER NOT NULL, org TEXT NOT NULL, id TEXT NOT NULL, %s,"
    " conversations INTEGER NOT NULL, messages INTEGER NOT NULL, PRIMARY KEY (job_id, seq)) WITHOUT ROWID" % RECORD_FIELDS,
    "CREATE TABLE kept_totals (org TEXT PRIMARY KEY, conversations INTEGER NOT NULL, messages INTEGER NOT NULL) WITHOUT ROWID",
]

BATCH = "temp.delete_batch"
CHOSEN = "SELECT record_rowid FROM %s" % BATCH
RESTORE_BATCH = "temp.restore_batch"


def connect(path):
    database = sqlite3.connect(path, isolation_level=None)
    database.executescript(PRAGMAS)
    return database


def build(path, contacts):
    """The org's contacts, conversations and messages, in seq order (an import appends to every table)."""
    database = sqlite3.connect(path, isolation_level=None)
    database.executescript("PRAGMA auto_vacuum=INCREMENTAL; PRAGMA page_size=4096")
    for statement in SCHEMA:
        database.execute(statement)
    database.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-1048576")
    database.execute("BEGIN")
    # Names, emails, phones, stages, assignees (80 % assigned, to 50 users), tags and sources as scripts/seed makes them.
    database.execute("""
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?2)
        INSERT INTO contacts (org, id, slot, stage_id, assigned_to, name, email, phone, tags, source, created_at, updated_at, version)
        SELECT ?1, lower(hex(randomblob(12))), abs(random()) % 4096, 'stage-' || (abs(random()) % 8),
            CASE WHEN abs(random()) % 5 < 4 THEN 'user-' || (abs(random()) % 50) END,
            'Grace Hopper', 'grace.hopper' || i || '@example.com', printf('+1555%07d', abs(random()) % 10000000),
            json_array('vip', 'trial'), 'webchat', 1735689600000 + i, 1735689600000 + i + 86400000, 1
        FROM n
        """, (ORG, contacts))
    database.execute("""
        INSERT INTO conversations (org, contact_seq, id, channel, created_at)
        SELECT org, seq, lower(hex(randomblob(12))), 'sms', created_at FROM contacts, (SELECT 1 UNION ALL SELECT 2) ORDER BY seq
        """)
    words = "hi hello thanks please call me back tomorrow price quote order shipped invoice yes no maybe " * 2
    database.execute("""
        INSERT INTO messages (org, contact_seq, id, conversation_id, direction, body, created_at)
        SELECT org, contact_seq, lower(hex(randomblob(12))), id, CASE WHEN abs(random()) % 2 THEN 'inbound' ELSE 'outbound' END,
            trim(substr(?1, 1 + abs(random()) % 60, 15 + abs(random()) % 45)), created_at + m
        FROM conversations, (SELECT 1 AS m UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5)
        ORDER BY contact_seq
        """, (words,))
    database.execute("COMMIT")
    database.executescript("PRAGMA journal_mode=WAL; VACUUM; PRAGMA wal_checkpoint(TRUNCATE)")
    database.close()


class Phase:
    """Times a phase's batches; counts the CPU and the bytes written over them."""

    def __init__(self, name, path):
        self.name, self.path = name, path
        self.batches, self.contacts = [], 0

    @staticmethod
    def written():
        with open("/proc/self/io") as io:
            fields = dict(line.split(": ") for line in io.read().splitlines())
        return int(fields["wchar"])

    def __enter__(self):
        self.load = os.getloadavg()[0]
        self.size = os.path.getsize(self.path)
        self.bytes, self.cpu, self.started = self.written(), time.process_time(), time.monotonic()
        return self

    def batch(self, database, run):
        """One transaction: `run(database)` answers how many contacts it did."""
        started = time.monotonic()
        database.execute("BEGIN IMMEDIATE")
        done = run(database)
        database.execute("COMMIT")
        self.batches.append(time.monotonic() - started)
        self.contacts += done
        return done

    def run(self, database, run):
        """Batches of `run` (see `batch`), one after another, until one does nothing."""
        while self.batch(database, run):
            pass

    def __exit__(self, *failure):
        if failure[0]:
            return
        self.seconds = time.monotonic() - self.started
        self.cpu = time.process_time() - self.cpu
        self.bytes = self.written() - self.bytes
        self.growth = os.path.getsize(self.path) - self.size
        self.wal = os.path.getsize(self.path + "-wal") if os.path.exists(self.path + "-wal") else 0
        self.load = (self.load, os.getloadavg()[0])

    def figures(self):
        ordered = sorted(self.batches)
        return {
            "phase": self.name, "contacts": self.contacts, "seconds": round(self.seconds, 2),
            "rate": round(self.contacts / self.seconds), "cpu": round(self.cpu, 2),
            "written_mib": round(self.bytes / 2**20), "growth_mib": round(self.growth / 2**20), "wal_mib": round(self.wal / 2**20),
            "steps": len(ordered), "step_p50_ms": round(1000 * statistics.median(ordered), 1) if ordered else 0,
            "step_p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1) if ordered else 0,
            "load": [round(value, 2) for value in self.load],
        }


def slice_row(database, job, watermark, permanent, restores=None):
    """The slice's row as the shard registers it; its watermark: the imported records are version 1, the restored ones 2."""
    database.execute(
        "INSERT INTO delete_slices (job_id, org, requester, filter, watermark, counters, created_at, kind, permanent, restores)"
        " VALUES (?, ?, ?, ?, ?, zeroblob(72), 0, ?, ?, ?)",
        (job, ORG, REQUESTER, b'{"orgWide":true}', watermark, 1 if restores else 0, 1 if permanent else 0, restores))
    return watermark


def checkpoint(database, job, counters):
    """The slice's row, written in each batch's transaction (its counters' blob as the shard stores them)."""
    database.execute("UPDATE delete_slices SET counters = ? WHERE job_id = ?", (json.dumps(counters).encode().ljust(72), job))


# ---- deletes ---------------------------------------------------------------------------------

def delete_batch(design, job, now, watermark, size, counters):
    """One batch of a delete by `design` ("permanent", "copy", "in_place"), as SQLiteDeleteStatements does it."""
    permanent = design == "permanent"
    snapshot = "'{}'" if permanent else "json_object('name', name, 'email', email, 'phone', phone)"

    def run(database):
        database.execute("DELETE FROM %s" % BATCH)
        chosen = database.execute(
            "INSERT INTO %s (record_rowid, id, assigned_to, name, email, phone)"
            " SELECT rowid, id, assigned_to, name, email, phone FROM contacts INDEXED BY contacts_by_org"
            " WHERE org = ? AND version <= ? ORDER BY rowid LIMIT ?" % BATCH, (ORG, watermark, size)).rowcount
        if chosen == 0:
            return 0
        keep = {"org": ORG, "job": job}
        if design == "copy":
            database.execute("INSERT INTO kept_messages (job_id, %s) SELECT :job, %s FROM messages WHERE org = :org AND contact_seq IN (%s)"
                             % (MESSAGE_COLUMNS, MESSAGE_COLUMNS, CHOSEN), keep)
        if design != "in_place":
            counters["messages"] += database.execute("DELETE FROM messages WHERE org = ? AND contact_seq IN (%s)" % CHOSEN, (ORG,)).rowcount
        if design == "copy":
            database.execute("INSERT INTO kept_conversations (job_id, %s) SELECT :job, %s FROM conversations"
                             " WHERE org = :org AND contact_seq IN (%s)" % (CONVERSATION_COLUMNS, CONVERSATION_COLUMNS, CHOSEN), keep)
        if design != "in_place":
            counters["conversations"] += database.execute(
                "DELETE FROM conversations WHERE org = ? AND contact_seq IN (%s)" % CHOSEN, (ORG,)).rowcount
        side = (ORG, job, now)
        counters["audits"] += database.execute(
            "INSERT INTO audit_entries (org, type, job_id, actor, record_id, snapshot, created_at)"
            " SELECT ?, 'CONTACT_DELETE', ?, ?, id, %s, ? FROM %s ORDER BY rowid" % (snapshot, BATCH), (ORG, job, REQUESTER, now)).rowcount
        counters["notifications"] += database.execute(
            "INSERT INTO notifications (org, user_id, type, record_id, job_id, created_at)"
            " SELECT ?1, assigned_to, 'contact_removed', id, ?2, ?3 FROM %s WHERE assigned_to IS NOT NULL ORDER BY rowid" % BATCH, side).rowcount
        counters["events"] += database.execute(
            "INSERT INTO event_outbox (org, type, payload, created_at)"
            " SELECT ?1, 'contact_removed', json_object('contactId', id, 'jobId', ?2), ?3 FROM %s ORDER BY rowid" % BATCH, side).rowcount
        if design == "copy":
            database.execute("INSERT INTO kept_contacts (job_id, %s) SELECT :job, %s FROM contacts WHERE rowid IN (%s)"
                             % (CONTACT_COLUMNS, CONTACT_COLUMNS, CHOSEN), keep)
        elif design == "in_place":
            # Each contact with its cascade's counts: two index ranges it counts, by the contact's seq.
            database.execute(
                "INSERT INTO kept_contacts (job_id, %s, conversations, messages)"
                " SELECT :job, %s, (SELECT count(*) FROM conversations v WHERE v.org = :org AND v.contact_seq = c.seq),"
                " (SELECT count(*) FROM messages m WHERE m.org = :org AND m.contact_seq = c.seq)"
                " FROM contacts c WHERE c.rowid IN (%s)" % (CONTACT_COLUMNS, ", ".join("c." + column for column in CONTACT_COLUMNS.split(", ")),
                                                             CHOSEN), keep)
            database.execute(
                "INSERT INTO kept_totals (org, conversations, messages)"
                " SELECT :org, sum(conversations), sum(messages) FROM kept_contacts WHERE job_id = :job AND seq IN (%s) AND true"
                " ON CONFLICT (org) DO UPDATE SET conversations = conversations + excluded.conversations,"
                " messages = messages + excluded.messages" % CHOSEN, keep)
        counters["deleted"] += database.execute("DELETE FROM contacts WHERE rowid IN (%s)" % CHOSEN).rowcount
        checkpoint(database, job, counters)
        return chosen
    return run


def delete(path, design, job, size, watermark=1):
    database = connect(path)
    database.execute("CREATE TEMP TABLE delete_batch (record_rowid INTEGER NOT NULL, id TEXT NOT NULL, assigned_to TEXT,"
                     " name TEXT, email TEXT, phone TEXT)")
    slice_row(database, job, watermark, design == "permanent")
    counters = dict.fromkeys(("deleted", "conversations", "messages", "audits", "notifications", "events"), 0)
    run = delete_batch(design, job, int(time.time() * 1000), watermark, size, counters)
    with Phase("%s delete" % design, path) as phase:
        phase.run(database, run)
        database.execute("PRAGMA wal_checkpoint(PASSIVE)")
    database.close()
    return phase, counters


# ---- restores --------------------------------------------------------------------------------

def restore_batch(design, job, kept_by, now, watermark, size, counters):
    """One batch of a restore: (b) as SQLiteRestoreStatements (a new seq, the cascade copied back);
    (c) the contact back under its kept seq, its cascade never having left."""
    goes_back = "passed_by IS NULL"

    def run(database):
        database.execute("DELETE FROM %s" % RESTORE_BATCH)
        chosen = database.execute(
            "INSERT INTO %s (kept_seq, id, passed_by, assigned_to, name, email, phone)"
            " SELECT seq, id, CASE WHEN EXISTS (SELECT 1 FROM contacts c WHERE c.org = k.org AND c.id = k.id) THEN 'id in use' END,"
            " assigned_to, name, email, phone FROM kept_contacts k WHERE job_id = ?1 AND org = ?2 ORDER BY seq LIMIT ?3"
            % RESTORE_BATCH, (kept_by, ORG, size)).rowcount
        if chosen == 0:
            return 0
        restored = "SELECT kept_seq FROM %s WHERE %s" % (RESTORE_BATCH, goes_back)
        data = "org, id, %s" % RECORD_DATA
        if design == "copy":
            counters["restored"] += database.execute(
                "INSERT INTO contacts (%s, version) SELECT %s, ?2 FROM kept_contacts WHERE job_id = ?1 AND seq IN (%s) ORDER BY seq"
                % (data, data, restored), (kept_by, watermark)).rowcount
            database.execute("UPDATE %s SET new_seq = (SELECT seq FROM contacts c WHERE c.org = ?1 AND c.id = restore_batch.id)"
                             " WHERE %s" % (RESTORE_BATCH, goes_back), (ORG,))
            counters["conversations"] += database.execute(
                "INSERT INTO conversations (org, contact_seq, id, channel, created_at)"
                " SELECT k.org, b.new_seq, k.id, k.channel, k.created_at"
                " FROM %s b CROSS JOIN kept_conversations k ON k.job_id = ?1 AND k.contact_seq = b.kept_seq WHERE b.passed_by IS NULL"
                % RESTORE_BATCH, (kept_by,)).rowcount
            counters["messages"] += database.execute(
                "INSERT INTO messages (org, contact_seq, id, conversation_id, direction, body, created_at)"
                " SELECT k.org, b.new_seq, k.id, k.conversation_id, k.direction, k.body, k.created_at"
                " FROM %s b CROSS JOIN kept_messages k ON k.job_id = ?1 AND k.contact_seq = b.kept_seq WHERE b.passed_by IS NULL"
                % RESTORE_BATCH, (kept_by,)).rowcount
        else:
            counters["restored"] += database.execute(
                "INSERT INTO contacts (seq, %s, version) SELECT seq, %s, ?2 FROM kept_contacts WHERE job_id = ?1 AND seq IN (%s) ORDER BY seq"
                % (data, data, restored), (kept_by, watermark)).rowcount
            # A contact passed by (its id live again) takes its cascade with it; none is, here.
            passed = "SELECT kept_seq FROM %s WHERE passed_by IS NOT NULL" % RESTORE_BATCH
            for table in ("messages", "conversations"):
                database.execute("DELETE FROM %s WHERE org = ?1 AND contact_seq IN (%s)" % (table, passed), (ORG,))
            database.execute(
                "UPDATE kept_totals SET conversations = conversations - (SELECT sum(k.conversations) FROM kept_contacts k"
                " WHERE k.job_id = ?1 AND k.seq IN (SELECT kept_seq FROM %s)),"
                " messages = messages - (SELECT sum(k.messages) FROM kept_contacts k WHERE k.job_id = ?1 AND k.seq IN (SELECT kept_seq FROM %s))"
                " WHERE org = ?2" % (RESTORE_BATCH, RESTORE_BATCH), (kept_by, ORG))
        side = (ORG, job, now)
        counters["audits"] += database.execute(
            "INSERT INTO audit_entries (org, type, job_id, actor, record_id, snapshot, created_at)"
            " SELECT ?1, 'CONTACT_RESTORE', ?2, ?4, id, json_object('name', name, 'email', email, 'phone', phone), ?3 FROM %s"
            " WHERE %s ORDER BY rowid" % (RESTORE_BATCH, goes_back), side + (REQUESTER,)).rowcount
        counters["notifications"] += database.execute(
            "INSERT INTO notifications (org, user_id, type, record_id, job_id, created_at)"
            " SELECT ?1, assigned_to, 'contact_restored', id, ?2, ?3 FROM %s WHERE %s AND assigned_to IS NOT NULL ORDER BY rowid"
            % (RESTORE_BATCH, goes_back), side).rowcount
        counters["events"] += database.execute(
            "INSERT INTO event_outbox (org, type, payload, created_at)"
            " SELECT ?1, 'contact_restored', json_object('contactId', id, 'jobId', ?2), ?3 FROM %s WHERE %s ORDER BY rowid"
            % (RESTORE_BATCH, goes_back), side).rowcount
        if design == "copy":
            for table in ("kept_messages", "kept_conversations"):
                database.execute("DELETE FROM %s WHERE job_id = ?1 AND contact_seq IN (SELECT kept_seq FROM %s)" % (table, RESTORE_BATCH),
                                 (kept_by,))
        database.execute("DELETE FROM kept_contacts WHERE job_id = ?1 AND seq IN (SELECT kept_seq FROM %s)" % RESTORE_BATCH, (kept_by,))
        checkpoint(database, job, counters)
        return chosen
    return run


def restore(path, design, job, kept_by, size):
    database = connect(path)
    database.execute("CREATE TEMP TABLE restore_batch (kept_seq INTEGER, new_seq INTEGER, contact_id TEXT, id TEXT NOT NULL,"
                     " passed_by TEXT, assigned_to TEXT, name TEXT, email TEXT, phone TEXT)")
    watermark = slice_row(database, job, 2, False, restores=kept_by)
    counters = dict.fromkeys(("restored", "conversations", "messages", "audits", "notifications", "events"), 0)
    run = restore_batch(design, job, kept_by, int(time.time() * 1000), watermark, size, counters)
    with Phase("%s restore" % design, path) as phase:
        phase.run(database, run)
        database.execute("PRAGMA wal_checkpoint(PASSIVE)")
    database.close()
    return phase, counters


# ---- the purge of (c) ------------------------------------------------------------------------

def purge_step(job):
    """SQLiteShardStore+Purge's step on design (c): the job's first kept contacts, at most 200 and
    none after the one whose rows (itself and its counted cascade) reach 5,000; their conversations
    and messages by their kept seqs in the live tables; the org's kept totals lowered by them."""
    def run(database):
        rows = database.execute("SELECT seq, 1 + conversations + messages FROM kept_contacts WHERE job_id = ? ORDER BY seq LIMIT ?",
                                (job, PURGE_STEP)).fetchall()
        if not rows:
            return 0
        taken, last = 0, rows[-1][0]
        for seq, count in rows:
            taken += count
            if taken >= PURGE_ROWS:
                last = seq
                break
        step = {"job": job, "last": last, "org": ORG}
        for table in ("messages", "conversations"):
            database.execute("DELETE FROM %s WHERE org = :org AND contact_seq IN"
                             " (SELECT seq FROM kept_contacts WHERE job_id = :job AND seq <= :last)" % table, step)
        database.execute(
            "UPDATE kept_totals SET conversations = conversations - (SELECT sum(conversations) FROM kept_contacts WHERE job_id = :job AND seq <= :last),"
            " messages = messages - (SELECT sum(messages) FROM kept_contacts WHERE job_id = :job AND seq <= :last) WHERE org = :org", step)
        return database.execute("DELETE FROM kept_contacts WHERE job_id = :job AND seq <= :last", step).rowcount
    return run


def purge(path, job):
    database = connect(path)
    database.execute("INSERT INTO kept_purges (job_id) VALUES (?)", (job,))
    with Phase("in_place purge", path) as phase:
        phase.run(database, purge_step(job))
        database.execute("DELETE FROM kept_purges WHERE job_id = ?", (job,))
        database.execute("PRAGMA wal_checkpoint(PASSIVE)")
    left = database.execute("SELECT (SELECT count(*) FROM conversations), (SELECT count(*) FROM messages),"
                            " (SELECT conversations || '/' || messages FROM kept_totals)").fetchone()
    database.close()
    return phase, left


# ---- checks ----------------------------------------------------------------------------------

def check_restore(path, base, same_seq):
    """What differs between the restored database and the one before the delete: every contact's
    columns but its version (and seq, unless `same_seq`), the counts, and each contact's cascade."""
    database = connect(path)
    database.execute("ATTACH ? AS base", (base,))
    columns = ("seq, " if same_seq else "") + "org, id, " + RECORD_DATA
    differs = {
        "contacts": database.execute("SELECT count(*) FROM (SELECT %s FROM contacts EXCEPT SELECT %s FROM base.contacts)"
                                     % (columns, columns)).fetchone()[0],
    }
    for table in ("contacts", "conversations", "messages"):
        differs[table + " count"] = database.execute("SELECT (SELECT count(*) FROM main.%s) - (SELECT count(*) FROM base.%s)"
                                                     % (table, table)).fetchone()[0]
    # Each contact's cascade by its id (its seq may differ): messages as (contact id, id, conversation, body, time).
    cascade = ("SELECT c.id, m.id, m.conversation_id, m.direction, m.body, m.created_at FROM %s.messages m"
               " JOIN %s.contacts c ON c.seq = m.contact_seq")
    differs["messages"] = database.execute("SELECT count(*) FROM (%s EXCEPT %s)" % (cascade % ("main", "main"), cascade % ("base", "base"))).fetchone()[0]
    database.close()
    return differs


def copy(base, path):
    for suffix in ("-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    shutil.copyfile(base, path)


def add_tables(path, statements):
    database = connect(path)
    for statement in statements:
        database.execute(statement)
    database.close()


def built_base():
    """The designs benches' start: their arguments (--contacts, --dir, --batch), and the path of
    the database built in DIR with the org's contacts, said with how long it took."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--batch", type=int, default=2_000)
    args = parser.parse_args()
    base = os.path.join(args.dir, "base.db")
    started = time.monotonic()
    build(base, args.contacts)
    print("built %s contacts (x2 conversations x5 messages each) in %.0f s: %d MiB; load average %s"
          % (format(args.contacts, ","), time.monotonic() - started, os.path.getsize(base) >> 20,
             " ".join("%.2f" % value for value in os.getloadavg())), flush=True)
    return args, base


def print_table(phases, reference, rate):
    """Each phase's rate, CPU, bytes written and growth, and its rate against `reference`'s `rate`."""
    print()
    print("%-30s %10s %8s %10s %12s %14s" % ("contacts/s", "rate", "CPU s", "written", "db growth", "/ " + reference))
    for name, figures in phases.items():
        print("%-30s %10s %8.1f %7d MiB %8d MiB %14.2f" % (name, format(figures["rate"], ","), figures["cpu"], figures["written_mib"],
                                                           figures["growth_mib"], figures["rate"] / rate))


def main():
    args, base = built_base()
    phases = {}

    def report(phase, extra):
        figures = phase.figures()
        figures.update(extra)
        phases[phase.name] = figures
        print(json.dumps(figures), flush=True)

    work = os.path.join(args.dir, "work.db")
    copy(base, work)
    phase, counters = delete(work, "permanent", JOB_A, args.batch)
    report(phase, counters)

    copy(base, work)
    add_tables(work, KEPT_COPY)
    phase, counters = delete(work, "copy", JOB_B, args.batch)
    report(phase, counters)
    phase, counters = restore(work, "copy", RESTORE_B, JOB_B, args.batch)
    report(phase, dict(counters, differs=check_restore(work, base, same_seq=False)))

    copy(base, work)
    add_tables(work, KEPT_IN_PLACE)
    phase, counters = delete(work, "in_place", JOB_C, args.batch)
    database = connect(work)
    visible = database.execute("SELECT (SELECT count(*) FROM conversations WHERE org = ?1) - conversations,"
                               " (SELECT count(*) FROM messages WHERE org = ?1) - messages FROM kept_totals WHERE org = ?1", (ORG,)).fetchone()
    database.close()
    report(phase, dict(counters, stats_after=visible))
    phase, counters = restore(work, "in_place", RESTORE_C, JOB_C, args.batch)
    report(phase, dict(counters, differs=check_restore(work, base, same_seq=True)))
    phase, counters = delete(work, "in_place", JOB_C2, args.batch, watermark=2)
    phases["in_place second delete"] = dict(phase.figures(), phase="in_place second delete")
    print(json.dumps(phases["in_place second delete"]), flush=True)
    phase, left = purge(work, JOB_C2)
    report(phase, {"left": left})

    a = phases["permanent delete"]["rate"]
    print_table(phases, "permanent", a)
    b, c = phases["copy delete"]["rate"], phases["in_place delete"]["rate"]
    print()
    print("(b) copy / (a) permanent:        %.2f (goal >= %.1f)" % (b / a, RESTORABLE_GOAL))
    print("(c) in place / (a) permanent:    %.2f (goal >= %.1f)" % (c / a, RESTORABLE_GOAL))
    print("restore (b) / delete (b):        %.2f (goal >= %.1f)" % (phases["copy restore"]["rate"] / b, RESTORE_GOAL))
    print("restore (c) / delete (c):        %.2f (goal >= %.1f)" % (phases["in_place restore"]["rate"] / c, RESTORE_GOAL))


if __name__ == "__main__":
    main()
