"""Why a start failed, in one line, from what the processes logged during it: for scripts/cluster.

    python3 scripts/lib/start_failure.py LOG OFFSET [LOG OFFSET ...]

Reads each LOG from byte OFFSET (its size before this start: older lines are another start's)
and prints the message of the first error it finds: a log line at level error, as text
(`TIME process[PID] error: MESSAGE`) or as JSON (TETHER_LOG_FORMAT=json), or a Swift runtime
`Fatal error: ...`. The logs are read in the order given, the process that died first first.
Without an error line, the last line the first log got during the start; nothing when none got any.
"""
import json
import re
import sys

TEXT_ERROR = re.compile(r"^\S+ \S+\[\d+\] error: (.*)$")
FATAL = re.compile(r"Fatal error: (.*)$")


def error_message(line):
    """The message of `line` when it reports an error, else None."""
    if line.startswith("{"):
        try:
            record = json.loads(line)
        except ValueError:
            return None
        return record.get("message") if isinstance(record, dict) and record.get("level") == "error" else None
    found = TEXT_ERROR.match(line) or FATAL.search(line)
    return found.group(1) if found else None


def lines_since(path, offset):
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            return [line.strip() for line in handle.read().decode(errors="replace").splitlines() if line.strip()]
    except OSError:
        return []


def cause(logs):
    """The cause of a failed start in `logs`, a list of (path, offset); None when they got nothing."""
    written = [lines_since(path, offset) for path, offset in logs]
    for lines in written:
        for line in lines:
            message = error_message(line)
            if message:
                return message
    first = next((lines for lines in written if lines), None)
    return "its last log line: %s" % first[-1] if first else None


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if not arguments or len(arguments) % 2:
        sys.exit("usage: start_failure.py LOG OFFSET [LOG OFFSET ...]")
    try:
        pairs = [(arguments[index], int(arguments[index + 1])) for index in range(0, len(arguments), 2)]
    except ValueError:
        sys.exit("start_failure.py: each OFFSET must be a whole number of bytes")
    found = cause(pairs)
    if found:
        print(found)
