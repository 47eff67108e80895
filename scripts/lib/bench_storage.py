"""The shards' storage against their live data, for scripts/bench disk and restore.

SQLite: the bytes of every shard file (database, WAL, shared memory) against the pages in use
(page_count less freelist_count). PostgreSQL: every shard database's tables, indexes included
(pg_total_relation_size), against the bytes of their live rows (pg_column_size), which leaves
indexes out."""
import glob
import os
import subprocess


def sql(command, *arguments):
    """What the client `arguments` (sqlite3 or psql, with its options) prints for `command`, stripped."""
    return subprocess.run(list(arguments) + [command], capture_output=True, text=True, check=True).stdout.strip()


def each_shard(url, shards, query):
    """The rows (fields joined by |) of `query(shard)` run in every shard's database of the server `url`,
    by one psql that connects to each in turn."""
    commands = []
    for shard in range(shards):
        commands += ["-c", "\\c tether_shard_%d" % shard, "-c", query(shard)]
    output = subprocess.run(["psql", url, "-XAtq", "-v", "ON_ERROR_STOP=1"] + commands, capture_output=True, text=True, check=True).stdout
    return [row for row in output.splitlines() if row]


class ShardStorage:
    """The shards of the cluster in `data` (`shards` of them, on `storage`; `url` its PostgreSQL server)."""

    def __init__(self, data, storage, shards, url):
        self.data, self.storage, self.shards, self.url = data, storage, shards, url
        # PostgreSQL: (stored, live) bytes per table over every shard, as the last `sizes` found them.
        self.by_table = {}

    def sizes(self, with_live=True):
        """(storage bytes, live bytes) over every shard. Reading PostgreSQL's live rows scans every table,
        which holds off the vacuum's truncation: `with_live` False leaves it out (live 0)."""
        if self.storage == "sqlite":
            files = sum(os.path.getsize(path) for path in glob.glob(os.path.join(self.data, "shards", "*.db*")) if os.path.isfile(path))
            live = sum(int(sql("SELECT ((SELECT page_count FROM pragma_page_count()) - (SELECT freelist_count FROM pragma_freelist_count())) "
                               "* (SELECT page_size FROM pragma_page_size())", "sqlite3", "-readonly", path))
                       for path in glob.glob(os.path.join(self.data, "shards", "*.db")))
            return files, live
        # One psql for all the shards' stored sizes, and one for their live rows: a client started per
        # table and shard each second took a core's worth of this machine from what it measured.
        tables = [row.split("|") for row in each_shard(self.url, self.shards, lambda shard:
                  "SELECT %d, relname, pg_total_relation_size(relid) FROM pg_stat_user_tables WHERE schemaname = 'public'" % shard)]
        live_rows = {}
        if with_live:
            for shard, table, size in (row.split("|") for row in each_shard(self.url, self.shards, lambda shard: " UNION ALL ".join(
                    "SELECT %d, '%s', coalesce(sum(pg_column_size(t.*)), 0) FROM %s t" % (shard, table, table)
                    for each_shard_number, table, _ in tables if int(each_shard_number) == shard))):
                live_rows[(shard, table)] = int(size)
        by_table = {}
        for shard, table, size in tables:
            before = by_table.get(table, (0, 0))
            by_table[table] = (before[0] + int(size), before[1] + live_rows.get((shard, table), 0))
        self.by_table = by_table
        return sum(stored for stored, _ in by_table.values()), sum(live for _, live in by_table.values())

    def table_lines(self, prefix):
        """One line per PostgreSQL table as the last `sizes` found it, largest first."""
        return ["%s  %-18s %8.1f MiB stored (indexes included), %8.1f MiB of live rows" % (prefix, table, stored / 1048576, live / 1048576)
                for table, (stored, live) in sorted(self.by_table.items(), key=lambda item: -item[1][0])]


def line(prefix, when, stored, live, suffix=""):
    """A line saying the storage against the live data."""
    return "%s %-30s %8.1f MiB stored, %8.1f MiB live (%.2fx)%s" % (prefix, when, stored / 1048576, live / 1048576, stored / max(live, 1), suffix)
