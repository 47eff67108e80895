"""The measuring side of `scripts/bench restore` (which seeds, imports and starts the clusters):

    bench_restore.py permanent|restorable --results FILE --data DIR --port P --contacts N --rate R
                     --tenant LARGE.ndjson --small SMALL.ndjson --shards S --storage sqlite|postgres [--url URL]
    bench_restore.py summary --results FILE

permanent: one org-wide `"permanent": true` delete of the large tenant (today's delete, which keeps
nothing), timed from its request until a poll sees it final. restorable, on the same data (the
databases as they were before that delete): the same delete without `permanent`, timed; the restore
of it, timed; the org's stats and a sample of `GET /api/contacts/{id}` compared with before the delete;
a second restorable delete; then, once its window has passed, the purge of what it kept, until no
shard holds a purge request (`kept_purges`) any more; then the storage each second until within 2x
of the live data (or unchanged for RECLAIM_STILL seconds). The small tenant reads beside every timed
phase (bench_reader). Each appends one JSON line of figures to FILE; summary prints them side by side
against the goals."""
import argparse
import calendar
import glob
import http.client
import json
import os
import sqlite3
import subprocess
import sys
import time

import bench_reader
import bench_storage
import clusters

FINAL = ("completed", "completed_with_errors", "failed", "cancelled")
# How many of the tenant's contacts are read before the delete and compared after the restore.
SAMPLE = 200
# The goals of issue 25.
RESTORABLE_GOAL, RESTORE_GOAL, P99_GOAL_MS, STORAGE_GOAL = 0.8, 0.8, 20.0, 2.0
# How long the purge may take before the bench gives up on it; how long the storage after it may take
# to come within 2x, and how long it may stay the same before the bench stops waiting for that.
PURGE_TIMEOUT, RECLAIM_TIMEOUT, RECLAIM_STILL = 1800, 180, 45


def seconds(iso):
    """An ISO 8601 UTC time of the API (`2026-12-07T17:00:00.123Z`) as seconds since the epoch."""
    whole = calendar.timegm(time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S"))
    return whole + (float("0" + iso[19:].rstrip("Z")) if "." in iso else 0)


class Tenant:
    """The large tenant's side of the API: its calls and its jobs, on one keep-alive connection."""

    def __init__(self, port, auth):
        self.port, self.auth = port, auth
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def exchange(self, method, path, body=None):
        """(status, JSON); a poll answered 503 (the coordinator did not answer in time) is retried, as a client would."""
        while True:
            headers = {"Authorization": "Bearer " + self.auth, "Content-Type": "application/json"}
            self.connection.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
            response = self.connection.getresponse()
            payload = response.read()
            if response.status != 503 or method != "GET":
                return response.status, json.loads(payload) if payload else {}
            time.sleep(0.5)

    def get(self, path):
        status, answer = self.exchange("GET", path)
        assert status == 200, (path, status, answer)
        return answer

    def raw(self, path):
        """The bytes of a GET's answer, for comparing byte for byte."""
        self.connection.request("GET", path, headers={"Authorization": "Bearer " + self.auth})
        response = self.connection.getresponse()
        return response.status, response.read()

    def job(self, method, path, body, accepted=202):
        """Starts a job and polls it every 50 ms until final: (seconds from the request, final document)."""
        began = time.monotonic()
        status, answer = self.exchange(method, path, body)
        assert status == accepted, (path, status, answer)
        while True:
            document = self.get("/api/contacts/bulk-job/" + answer["jobId"])
            if document["status"] in FINAL:
                return time.monotonic() - began, document
            time.sleep(0.05)

    def stats(self):
        """What a restore must give back: the org's row counts and its contacts by stage and by owner."""
        counts = self.get("/api/contacts/stats")
        return {"contacts": counts["contacts"], "applications": counts["applications"], "conversations": counts["conversations"],
                "messages": counts["messages"], "by stage": self.get("/api/contacts/stats?by=stage"),
                "by owner": self.get("/api/contacts/stats?by=owner")}


def purged_records(port):
    """`tether_purged_records_total` of GET /metrics, summed over its series (one per shard where labelled)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/metrics")
    text = connection.getresponse().read().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("tether_purged_records_total ") or line.startswith("tether_purged_records_total{"))


def purge_requests(data, storage, shards, url):
    """The purge requests the shards hold (rows of `kept_purges`), over every shard."""
    if storage == "sqlite":
        total = 0
        for shard in range(shards):
            database = sqlite3.connect("file:%s?mode=ro" % os.path.join(data, "shards", "shard-%d.db" % shard), uri=True, timeout=5)
            try:
                total += database.execute("SELECT count(*) FROM kept_purges").fetchone()[0]
            finally:
                database.close()
        return total
    return sum(int(count) for count in bench_storage.each_shard(url, shards, lambda shard: "SELECT count(*) FROM kept_purges"))


def rate(contacts, took):
    return contacts / took if took else 0.0


def job_seconds(document):
    return seconds(document["finishedAt"]) - seconds(document["startedAt"])


def print_flushed(text):
    print(text)
    sys.stdout.flush()


def shards_used(data):
    """(CPU seconds, bytes written to storage) the shard processes of the cluster in `data` have used so
    far (/proc/PID/stat, /proc/PID/io). SQLite only: on PostgreSQL the statements' work is in the
    server's backends, which this would leave out."""
    cpu = written = 0
    for pidfile in glob.glob(os.path.join(data, "run", "shard-*.pid")):
        try:
            pid = open(pidfile).read().strip()
            fields = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            written += int(next(line.split()[1] for line in open("/proc/%s/io" % pid) if line.startswith("write_bytes:")))
        except (OSError, ValueError, StopIteration):
            continue
    return cpu, written


def timed(arguments, small, ids, label, work):
    """Runs `work` (a job started and followed to its end) with the small tenant reading beside it and
    prints its line: (final document, figures)."""
    before = shards_used(arguments.data)
    (took, job), reader = bench_reader.during(work, arguments.port, small, ids, arguments.rate)
    cpu, written = (after - was for after, was in zip(shards_used(arguments.data), before))
    print_flushed("restore: %-20s %8.0f contacts/s (%.2f s request to completed, %.2f s by the job's own times)%s"
                  % (label + ":", rate(arguments.contacts, took), took, job_seconds(job),
                     "; shards' CPU %.1f s, %.0f MiB written" % (cpu, written / 1048576) if arguments.storage == "sqlite" else ""))
    if arguments.storage != "sqlite":
        cpu = written = None
    print_flushed(reader.row("  reads during it"))
    return job, {"seconds": took, "own": job_seconds(job), "reads": reader.figures(), "cpu": cpu, "written": written}


def measure_permanent(arguments, auth, small, ids):
    tenant = Tenant(arguments.port, auth)
    job, figures = timed(arguments, small, ids, "permanent delete",
                         lambda: tenant.job("DELETE", "/api/contacts/query-bulk-delete", {"orgWide": True, "permanent": True}))
    assert job["status"] == "completed" and job["deleted"] == arguments.contacts and job.get("permanent") is True, job
    return {"permanent": figures}


def measure_restorable(arguments, auth, small, ids):
    tenant = Tenant(arguments.port, auth)
    storage = bench_storage.ShardStorage(arguments.data, arguments.storage, arguments.shards, arguments.url)
    figures = {"storage": {}}

    def show(when, key=None, live=None):
        stored, measured = storage.sizes(with_live=live is None)
        live = measured if live is None else live
        print_flushed(bench_storage.line("restore:", when, stored, live))
        if key:
            figures["storage"][key] = (stored, live)
        return stored, live

    def delete(name):
        job, phase = timed(arguments, small, ids, name, lambda: tenant.job("DELETE", "/api/contacts/query-bulk-delete", {"orgWide": True}))
        assert job["status"] == "completed" and job["deleted"] == arguments.contacts, job
        assert job.get("permanent") is False and job.get("restorableUntil"), ("not restorable: is the window 0?", job)
        return job, phase

    sample = ids_of(arguments.tenant, SAMPLE)
    before = {contact: tenant.raw("/api/contacts/" + contact) for contact in sample}
    stats_before = tenant.stats()
    show("before the delete", "before")
    job, figures["restorable"] = delete("restorable delete")
    show("after it (the kept copy)", "after delete")
    if time.time() >= seconds(job["restorableUntil"]):
        sys.exit("scripts/bench: the delete's window (restorableUntil %s) passed before its restore was asked for: give a longer --restore-window"
                 % job["restorableUntil"])
    restore, figures["restore"] = timed(arguments, small, ids, "restore",
                                        lambda: tenant.job("POST", "/api/contacts/bulk-job/%s/restore" % job["jobId"], {}))
    assert restore["status"] == "completed" and restore.get("restored") == arguments.contacts and restore.get("restores") == job["jobId"], restore
    print_flushed("restore: the restore's cascade: %s" % json.dumps(restore.get("cascade")))
    stats_after = tenant.stats()
    different = [contact for contact in sample if tenant.raw("/api/contacts/" + contact) != before[contact]]
    print_flushed("restore: after it, the org's stats are %s and %d of %d contacts read answer byte for byte as before the delete"
                  % ("the same" if stats_after == stats_before else "DIFFERENT (%s before, %s after)" % (stats_before, stats_after),
                     len(sample) - len(different), len(sample)))
    figures["exact"] = stats_after == stats_before and not different
    show("after the restore", "after restore")

    job, figures["second delete"] = delete("second delete")
    stored, live = show("after it (the kept copy)", "before purge")
    figures.update(purge(arguments, job, small, ids))
    # Nothing is written after the purge: on PostgreSQL, where reading the live rows scans every
    # table (and holds off the vacuum's truncation), the live data is read once now and at the end.
    began = time.monotonic()
    stored, live = show("right after the purge")
    changed = began
    while stored > STORAGE_GOAL * live and time.monotonic() - began < RECLAIM_TIMEOUT and time.monotonic() - changed < RECLAIM_STILL:
        time.sleep(1)
        was = stored
        stored, _ = show("%.0f s after the purge" % (time.monotonic() - began), live=live if arguments.storage == "postgres" else None)
        changed = time.monotonic() if stored != was else changed
    stored, live = show("at the end, %.0f s after the purge" % (time.monotonic() - began), "after purge")
    for line in storage.table_lines("restore:"):
        print_flushed(line)
    # Read long after the purge: GET /metrics serves one gathering for a second.
    figures["purge"]["records"] = purged_records(arguments.port) - figures["purge"]["records"]
    print_flushed("restore: tether_purged_records_total grew by %.0f over the purge" % figures["purge"]["records"])
    return figures


def purge(arguments, job, small, ids):
    """Waits for the window of the delete `job` to pass, then reads beside the purge until no shard
    holds a purge request: the purge's figures."""
    wait = seconds(job["restorableUntil"]) - time.time()
    print_flushed("restore: its window ends at %s (%.0f s from now); reads beside the purge from then on" % (job["restorableUntil"], max(0, wait)))
    time.sleep(max(0.0, wait))
    counted = purged_records(arguments.port)  # less the figure after the purge, once /metrics shows it
    reader = bench_reader.Reader(arguments.port, small, ids, arguments.rate)
    reader.start()
    began = time.monotonic()
    requested = None
    try:
        while time.monotonic() - began < PURGE_TIMEOUT:
            held = purge_requests(arguments.data, arguments.storage, arguments.shards, arguments.url)
            if held and requested is None:
                requested = time.monotonic() - began
            # Done once no shard holds a request: after one was seen held, or (a purge quicker than
            # these polls) once /metrics counts every kept contact purged. Not the job's
            # restorableUntil: it shows null as soon as the window is past, before any purge.
            if not held and (requested is not None or purged_records(arguments.port) - counted >= arguments.contacts):
                break
            time.sleep(0.5)
        else:
            sys.exit("scripts/bench: the purge did not end within %d s of the window" % PURGE_TIMEOUT)
    finally:
        reader.stopped()
    took = time.monotonic() - began
    print_flushed("restore: purge:               %8.0f contacts/s (%.2f s from the window's end until every shard was done; %s)"
                  % (rate(arguments.contacts, took), took,
                     "a shard held its request %.1f s after the window's end" % requested if requested is not None else "no request seen held"))
    print_flushed(reader.row("  reads during it"))
    return {"purge": {"seconds": took, "records": counted, "reads": reader.figures()}}


def ids_of(tenant_file, count):
    """The first `count` contact ids of the seeded tenant file."""
    found = []
    with open(tenant_file) as lines:
        for line in lines:
            if line.strip():
                found.append(json.loads(line)["_id"])
                if len(found) == count:
                    break
    return found


def summary(results):
    """Every engine's figures side by side, each against its goal."""
    rows = [json.loads(line) for line in open(results) if line.strip()]
    engines = {}
    for row in rows:
        engines.setdefault(row["engine"], {"contacts": row["contacts"]}).update(row["figures"])
    names = sorted(engines, key=lambda name: name != "sqlite")
    print("restore: summary (rates in contacts/s, request to completed; p99 of the small tenant's reads)")
    print("%-44s" % "" + "".join("%24s" % ("%s, %s" % (name, "{:,}".format(engines[name]["contacts"]))) for name in names) + "   goal")

    def line(label, value, goal):
        cells = []
        for name in names:
            try:
                cells.append("%24s" % value(engines[name], engines[name]["contacts"]))
            except KeyError:
                cells.append("%24s" % "not measured")
        print("%-44s" % label + "".join(cells) + "   " + goal)

    per = lambda phase: lambda figures, contacts: "%.0f" % rate(contacts, figures[phase]["seconds"])
    ratio = lambda top, bottom, goal: lambda figures, contacts: "%.2f %s" % (
        figures[bottom]["seconds"] / figures[top]["seconds"], "ok" if figures[bottom]["seconds"] / figures[top]["seconds"] >= goal else "MISSED")
    p99 = lambda phase: lambda figures, contacts: "%.1f ms %s" % (figures[phase]["reads"][2], "ok" if figures[phase]["reads"][2] <= P99_GOAL_MS else "MISSED")
    line("permanent delete", per("permanent"), "")
    line("restorable delete", per("restorable"), "")
    line("restore", per("restore"), "")
    line("second restorable delete (restored data)", per("second delete"), "")
    # None where the work is in PostgreSQL's backends rather than the shards.
    spent = lambda key, form, scale: lambda figures, contacts: "in the backends" if figures["permanent"][key] is None else " / ".join(
        form % (figures[phase][key] / scale) for phase in ("permanent", "restorable", "restore"))
    line("shards' CPU s: permanent/restorable/restore", spent("cpu", "%.1f", 1), "")
    line("MiB written: permanent/restorable/restore", spent("written", "%.0f", 1048576), "")
    line("restorable / permanent", ratio("restorable", "permanent", RESTORABLE_GOAL), ">= %.1f" % RESTORABLE_GOAL)
    line("restore / restorable delete", ratio("restore", "restorable", RESTORE_GOAL), ">= %.1f" % RESTORE_GOAL)
    line("reads p99 during the restore", p99("restore"), "<= %.0f ms" % P99_GOAL_MS)
    line("reads p99 during the purge", p99("purge"), "<= %.0f ms" % P99_GOAL_MS)
    line("purge: s from the window's end (contacts/s)", lambda figures, contacts: "%.1f s (%.0f)" % (
        figures["purge"]["seconds"], rate(contacts, figures["purge"]["seconds"])), "")
    storage = lambda key: lambda figures, contacts: "%.0f / %.0f MiB" % (figures["storage"][key][0] / 1048576, figures["storage"][key][1] / 1048576)
    line("stored / live before the delete", storage("before"), "")
    line("stored / live after it (kept copy)", storage("after delete"), "")
    line("stored / live after the purge", storage("after purge"), "")
    line("after the purge, stored / live", lambda figures, contacts: "%.2fx %s" % (
        figures["storage"]["after purge"][0] / max(figures["storage"]["after purge"][1], 1),
        "ok" if figures["storage"]["after purge"][0] <= STORAGE_GOAL * figures["storage"]["after purge"][1] else "MISSED"), "<= %.0fx" % STORAGE_GOAL)
    line("restored exactly (stats, sample of reads)", lambda figures, contacts: "yes" if figures["exact"] else "NO", "")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("permanent", "restorable", "summary"))
    parser.add_argument("--results", required=True)
    parser.add_argument("--data")
    parser.add_argument("--port", type=int)
    parser.add_argument("--contacts", type=int)
    parser.add_argument("--rate", type=int, default=0)
    parser.add_argument("--tenant", help="the large tenant's NDJSON, for the ids read before and after")
    parser.add_argument("--small", help="the small tenant's NDJSON, for the ids the reader reads")
    parser.add_argument("--shards", type=int)
    parser.add_argument("--storage", choices=("sqlite", "postgres"))
    parser.add_argument("--url", default="")
    arguments = parser.parse_args()
    if arguments.what == "summary":
        summary(arguments.results)
        return
    auth, small = clusters.mint_token(arguments.data, "large", "bench"), clusters.mint_token(arguments.data, "small", "bench")
    ids = ids_of(arguments.small, 1 << 30)
    measure = measure_permanent if arguments.what == "permanent" else measure_restorable
    figures = measure(arguments, auth, small, ids)
    with open(arguments.results, "a") as results:
        results.write(json.dumps({"engine": arguments.storage, "contacts": arguments.contacts, "figures": figures}) + "\n")


if __name__ == "__main__":
    main()
