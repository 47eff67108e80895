"""Another tenant's reads beside bulk work, for scripts/bench fairness and restore: one client of a small
tenant reading its own contacts (GET /api/contacts/{id} and POST /api/contacts/query-count by turns,
keep-alive), flat out or at a given rate, every latency recorded."""
import http.client
import json
import threading
import time


def call(connection, method, path, auth, body=None):
    """The answer's JSON; a RuntimeError for any status of 300 or more."""
    connection.request(method, path, body=body, headers={"Authorization": "Bearer " + auth, "Content-Type": "application/json"})
    response = connection.getresponse()
    payload = response.read()
    if response.status >= 300:
        raise RuntimeError("%s %s: %d %s" % (method, path, response.status, payload[:200]))
    return json.loads(payload)


class Reader(threading.Thread):
    """The small tenant reading its own contacts `ids` with token `auth`: one request after another
    (`rate` 0), or `rate` a second on a schedule, as a tenant's users do; then each latency is timed
    from its send, and how late the reader itself woke for it (it shares the cores) is kept in `late`."""

    def __init__(self, port, auth, ids, rate):
        super().__init__(daemon=True)
        self.port, self.auth, self.ids, self.rate = port, auth, ids, rate
        self.latencies, self.stop, self.errors, self.late = [], threading.Event(), 0, []

    def merge(self, other):
        self.latencies += other.latencies
        self.errors += other.errors
        self.late += other.late

    def run(self):
        connection, turn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30), 0
        due = time.monotonic()
        while not self.stop.is_set():
            if self.rate:
                due += 1.0 / self.rate
                time.sleep(max(0.0, due - time.monotonic()))
                self.late.append(max(0.0, time.monotonic() - due))
            began = time.monotonic()
            try:
                if turn % 2 == 0:
                    call(connection, "GET", "/api/contacts/" + self.ids[turn % len(self.ids)], self.auth)
                else:
                    call(connection, "POST", "/api/contacts/query-count", self.auth, '{"orgWide":true}')
                self.latencies.append(time.monotonic() - began)
            except Exception:
                self.errors += 1
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            turn += 1

    def stopped(self):
        """Stops the reader and waits for its last read; itself."""
        self.stop.set()
        self.join()
        return self

    def figures(self):
        """(reads, p50 ms, p99 ms, max ms, errors); zeros when it read nothing."""
        values = sorted(self.latencies)
        if not values:
            return 0, 0.0, 0.0, 0.0, self.errors
        pick = lambda q: values[min(len(values) - 1, int(q * len(values)))] * 1000
        return len(values), pick(0.5), pick(0.99), values[-1] * 1000, self.errors

    def row(self, name):
        """The reader's line of a table (`HEADER`), and its own lateness beneath when on a schedule."""
        reads, p50, p99, most, errors = self.figures()
        lines = ["%-28s %8d %9.1f %9.1f %9.1f %7d" % (name, reads, p50, p99, most, errors)]
        if self.late:
            late = sorted(self.late)
            lines.append("%-28s %8s %9.1f %9.1f %9.1f" % ("  (the reader's own lateness)", "", late[len(late) // 2] * 1000,
                                                           late[int(0.99 * len(late))] * 1000, late[-1] * 1000))
        return "\n".join(lines)


def header(title):
    """The head of the table `Reader.row` prints lines of."""
    return "%-28s %8s %9s %9s %9s %7s" % (title, "reads", "p50 ms", "p99 ms", "max ms", "errors")


def during(work, port, auth, ids, rate):
    """Runs `work()` with a Reader beside it: (what `work` returned, the Reader)."""
    reader = Reader(port, auth, ids, rate)
    reader.start()
    try:
        result = work()
    finally:
        reader.stopped()
    return result, reader
