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


def shard_url(url, shard):
    """The connection string of shard `shard`'s database on the server `url` (which names dbname=postgres)."""
    return url.replace("dbname=postgres", "dbname=tether_shard_%d" % shard)


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
        stored = live = 0
        by_table = {}
        for shard in range(self.shards):
            target = shard_url(self.url, shard)
            tables = sql("SELECT string_agg(relname, ' ') FROM pg_stat_user_tables WHERE schemaname = 'public'", "psql", target, "-XAtq", "-c").split()
            for table in tables:
                table_stored = int(sql("SELECT pg_total_relation_size('%s')" % table, "psql", target, "-XAtq", "-c"))
                table_live = int(sql("SELECT coalesce(sum(pg_column_size(t.*)), 0) FROM %s t" % table, "psql", target, "-XAtq", "-c")) if with_live else 0
                before = by_table.get(table, (0, 0))
                by_table[table] = (before[0] + table_stored, before[1] + table_live)
                stored += table_stored
                live += table_live
        self.by_table = by_table
        return stored, live

    def table_lines(self, prefix):
        """One line per PostgreSQL table as the last `sizes` found it, largest first."""
        return ["%s  %-18s %8.1f MiB stored (indexes included), %8.1f MiB of live rows" % (prefix, table, stored / 1048576, live / 1048576)
                for table, (stored, live) in sorted(self.by_table.items(), key=lambda item: -item[1][0])]


def line(prefix, when, stored, live, suffix=""):
    """A line saying the storage against the live data."""
    return "%s %-30s %8.1f MiB stored, %8.1f MiB live (%.2fx)%s" % (prefix, when, stored / 1048576, live / 1048576, stored / max(live, 1), suffix)
