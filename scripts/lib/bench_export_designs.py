"""scripts/bench export-designs: what an export (issue 26) would cost on SQLite, by how it renders
its lines and where it keeps its part, against the delete it must keep pace with.

    bench_export_designs.py --contacts N --dir DIR [--batch B]

No cluster: one SQLite database as scripts/bench kept-designs builds it (the shard's tables,
indexes and pragmas; one org of N contacts x 2 conversations x 5 messages, no applications, in
seq order), copied aside; then, each on its own copy, org-wide batches of B contacts (2,000),
each one transaction:

  (a) permanent delete and (b) restorable delete: the shard's deletes (kept-designs (a) and (c),
      SQLiteDeleteStatements), the rates an export is held to;
  (c) export, table: the batch's contacts read in seq order after the last one exported (a
      cursor, as an export deletes nothing), each rendered by SQLite as one line of the import
      format (json_object: the contact, its conversations and their messages; dates as ISO 8601
      by strftime), the batch's lines appended as one row of an export_parts table in the same
      transaction as the slice's checkpoint: exactly once by construction;
  (d) export, file: the same lines appended to a file beside the database, flushed to disk
      before the batch commits (a restart would cut the file back to the checkpoint's length);
  (e) export, table, dates as numbers: not the import format; the bound a faster date
      rendering (a function of the shard's own in place of strftime) could approach.

For each: contacts/s, the process's CPU, bytes written (/proc/self/io wchar: WAL, checkpoints,
the file) and the database's growth. Each export is checked: one line per contact, every line
JSON with its 2 conversations of 5 messages, and (c) and (d) byte for byte the same."""
import hashlib
import json
import os

import bench_kept_designs as kept

JOB_EXPORT = "job-export"

# strftime's ISO 8601 of epoch milliseconds, as the gateway writes dates (ISO8601.string).
ISO = "strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', %s / 1000.0, 'unixepoch')"


def line_sql(dates):
    """One contact `c` as one line of the import format; `dates` renders a column of epoch ms."""
    return ("json_object('_id', c.id, 'kind', 'Contact', 'stageId', c.stage_id, 'assignedTo', c.assigned_to, 'name', c.name,"
            " 'email', c.email, 'phone', c.phone, 'tags', json(c.tags), 'source', c.source,"
            " 'createdAt', %s, 'updatedAt', %s, 'conversations', (SELECT json_group_array(json_object("
            "'_id', v.id, 'channel', v.channel, 'createdAt', %s, 'messages', (SELECT json_group_array(json_object("
            "'_id', m.id, 'direction', m.direction, 'body', m.body, 'createdAt', %s))"
            " FROM messages m WHERE m.org = c.org AND m.contact_seq = c.seq AND m.conversation_id = v.id)))"
            " FROM conversations v WHERE v.org = c.org AND v.contact_seq = c.seq))"
            % (dates("c.created_at"), dates("c.updated_at"), dates("v.created_at"), dates("m.created_at")))


def export(path, design, size):
    """Runs the export `design` ("table", "file", "numbers") to its end; its phase and its part's path or None."""
    database = kept.connect(path)
    database.execute("CREATE TABLE export_parts (job_id TEXT NOT NULL, offset INTEGER NOT NULL, last_seq INTEGER NOT NULL,"
                     " bytes BLOB NOT NULL, PRIMARY KEY (job_id, offset))")
    kept.slice_row(database, JOB_EXPORT, 1, True)
    dates = (lambda column: column) if design == "numbers" else (lambda column: ISO % column)
    chosen = ("SELECT count(*), max(seq), group_concat(line, char(10)) FROM (SELECT c.seq AS seq, %s AS line"
              " FROM contacts c INDEXED BY contacts_by_org WHERE c.org = ? AND c.seq > ? AND c.version <= 1 ORDER BY c.seq LIMIT ?)"
              % line_sql(dates))
    part_path = path + ".part" if design == "file" else None
    part = open(part_path, "wb") if part_path else None
    state = {"offset": 0, "cursor": 0, "exported": 0}

    def run(database):
        count, last, lines = database.execute(chosen, (kept.ORG, state["cursor"], size)).fetchone()
        if count == 0:
            return 0
        data = (lines + "\n").encode()
        if part:
            part.write(data)
            part.flush()
            os.fsync(part.fileno())
        else:
            database.execute("INSERT INTO export_parts VALUES (?, ?, ?, ?)", (JOB_EXPORT, state["offset"], last, data))
        state["offset"] += len(data)
        state["cursor"] = last
        state["exported"] += count
        kept.checkpoint(database, JOB_EXPORT, {"exported": state["exported"], "bytes": state["offset"]})
        return count

    with kept.Phase("export (%s)" % design, path) as phase:
        phase.run(database, run)
        database.execute("PRAGMA wal_checkpoint(PASSIVE)")
    if part:
        part.close()
    else:
        part_path = path + ".part"
        with open(part_path, "wb") as out:
            for (data,) in database.execute("SELECT bytes FROM export_parts WHERE job_id = ? ORDER BY offset", (JOB_EXPORT,)):
                out.write(data)
    database.close()
    return phase, part_path


def check_part(part_path, contacts):
    """One line per contact, each JSON with 2 conversations of 5 messages; the part's size and digest."""
    lines, wrong, digest = 0, 0, hashlib.sha256()
    with open(part_path, "rb") as part:
        for line in part:
            digest.update(line)
            lines += 1
            record = json.loads(line)
            conversations = record.get("conversations", [])
            if len(conversations) != 2 or any(len(conversation["messages"]) != 5 for conversation in conversations):
                wrong += 1
    return {"lines": lines, "lines_expected": contacts, "lines_wrong": wrong, "bytes": os.path.getsize(part_path),
            "sha256": digest.hexdigest()[:16]}


def main():
    args, base = kept.built_base()
    work = os.path.join(args.dir, "work.db")
    phases = {}

    def report(name, phase, extra):
        figures = dict(phase.figures(), phase=name, **extra)
        phases[name] = figures
        print(json.dumps(figures), flush=True)

    kept.copy(base, work)
    phase, counters = kept.delete(work, "permanent", kept.JOB_A, args.batch)
    report("(a) permanent delete", phase, counters)
    kept.copy(base, work)
    kept.add_tables(work, kept.KEPT_IN_PLACE)
    phase, counters = kept.delete(work, "in_place", kept.JOB_C, args.batch)
    report("(b) restorable delete", phase, counters)
    digests = {}
    for name, design in (("(c) export, table", "table"), ("(d) export, file", "file"), ("(e) export, dates as numbers", "numbers")):
        kept.copy(base, work)
        phase, part_path = export(work, design, args.batch)
        checked = check_part(part_path, args.contacts)
        os.remove(part_path)
        digests[design] = checked["sha256"]
        report(name, phase, checked)

    kept.print_table(phases, "restorable", phases["(b) restorable delete"]["rate"])
    print()
    print("(c) and (d) wrote the same bytes: %s" % ("yes" if digests["table"] == digests["file"] else "NO"))


if __name__ == "__main__":
    main()
