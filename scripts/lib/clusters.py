"""Which cluster a script acts on, and whether it runs: shared by scripts/cluster, token, seed and tether.

A cluster is its data directory: DIR/port is the gateway's port as `scripts/cluster start` recorded
it, DIR/run/gateway.pid its gateway. A script without --data acts on TETHER_DATA, else the
repository's .cluster, and says so plainly when no cluster runs there, naming those that do.

    python3 scripts/lib/clusters.py note DIR      one line on stderr when no cluster runs in DIR; exit 1 then
    python3 scripts/lib/clusters.py others DIR    the clusters that run elsewhere, in one line; nothing when none does
    python3 scripts/lib/clusters.py url DIR       the cluster's URL (TETHER_URL, else DIR/port)
"""
import http.client
import os
import ssl
import subprocess
import sys
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def data_directory(given=None):
    """The data directory a script acts on: --data, else TETHER_DATA, else ./.cluster of the repository."""
    return os.path.abspath(given or os.environ.get("TETHER_DATA") or os.path.join(REPO, ".cluster"))


def recorded_port(data):
    try:
        with open(os.path.join(data, "port")) as handle:
            return int(handle.read().strip())
    except (OSError, ValueError):
        return None


def url(data, given=None):
    """--url, else TETHER_URL, else the port DIR's cluster recorded; None when there is none."""
    if given or os.environ.get("TETHER_URL"):
        return (given or os.environ["TETHER_URL"]).rstrip("/")
    port = recorded_port(data)
    return "http://127.0.0.1:%d" % port if port else None


def require_url(data, given=None):
    """`url`, or a LookupError that says how to name a cluster."""
    found = url(data, given)
    if not found:
        raise LookupError("no cluster was started in %s (it has no port file): start one with scripts/cluster start, "
                          "or give --data DIR or --url URL" % data)
    return found


def mint_token(data, org, user, role="admin"):
    """A token of `org` for `user` with `role`, signed by scripts/token with the secret of the cluster in `data`."""
    minted = subprocess.run([os.path.join(REPO, "scripts", "token"), "--org", org, "--user", user, "--role", role, "--data", data],
                            capture_output=True, text=True)
    if minted.returncode != 0:
        raise LookupError("no token for the cluster in %s: %s" % (data, minted.stderr.strip()))
    return minted.stdout.strip()


# Why a script takes no token in its arguments, and the two ways it does take one.
TOKEN_ARGUMENT_REFUSED = ("--token would show the token to every local user (/proc/PID/cmdline, ps): "
                          "set TETHER_TOKEN, or write it to a file only you can read and give --token-file FILE")


def given_token(token_file=None):
    """The token of --token-file FILE (its text without surrounding whitespace), else TETHER_TOKEN; None when
    neither gives one. A LookupError when the file cannot be read or holds nothing."""
    if token_file:
        try:
            with open(token_file) as handle:
                token = handle.read().strip()
        except OSError as error:
            raise LookupError("--token-file %s cannot be read: %s" % (token_file, error.strerror or error)) from error
        if not token:
            raise LookupError("--token-file %s is empty: write the token into it (scripts/token prints one)" % token_file)
        return token
    return os.environ.get("TETHER_TOKEN") or None


def connection(address, timeout):
    """An HTTP connection to the gateway at `address`: TLS for https:// (the server's certificate checked
    against the system's authorities, port 443 unless given), plain for http:// (port 80 unless given).
    Never plain HTTP for an https URL, which would send the token in clear. A LookupError for another scheme."""
    parts = urllib.parse.urlsplit(address)
    if parts.scheme == "https":
        return http.client.HTTPSConnection(parts.hostname, parts.port or 443, timeout=timeout, context=ssl.create_default_context())
    if parts.scheme == "http":
        return http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    raise LookupError("the URL %s is neither http:// nor https://: give the gateway as http://HOST:PORT or https://HOST:PORT" % address)


def _arguments(pid):
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as handle:
            return [part.decode(errors="replace") for part in handle.read().split(b"\0") if part]
    except OSError:
        return []


def _flag(arguments, name):
    for index in range(1, len(arguments) - 1):
        if arguments[index] == name:
            return arguments[index + 1]
    return None


def gateways():
    """Every live gateway on this machine: (its data directory, its port)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        arguments = _arguments(entry)
        if arguments and os.path.basename(arguments[0]) == "gateway" and _flag(arguments, "--data"):
            found.append((os.path.realpath(_flag(arguments, "--data")), int(_flag(arguments, "--port") or 2212)))
    return found


def running(data):
    """Whether a gateway of DIR's cluster runs."""
    return any(directory == os.path.realpath(data) for directory, _ in gateways())


def others(data):
    """The clusters that run on this machine but not in `data`, as a sentence saying how to pick one; None when none does."""
    found = sorted(other for other in set(gateways()) if other[0] != os.path.realpath(data))
    if not found:
        return None
    listed = "; ".join("%s (http://127.0.0.1:%d)" % other for other in found)
    return "running: %s. Give --data DIR, or export TETHER_DATA=DIR as scripts/cluster start prints" % listed


def note(data):
    """A sentence on a directory where no cluster runs, naming the ones that do; None when one runs there."""
    if running(data):
        return None
    where = "no cluster runs in %s" % data
    elsewhere = others(data)
    if not elsewhere:
        return where + " (none runs on this machine; start one with scripts/cluster start)"
    return "%s; %s" % (where, elsewhere)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("note", "others", "url"):
        sys.exit("usage: clusters.py note|others|url DIR")
    directory = os.path.abspath(sys.argv[2])
    if sys.argv[1] == "note":
        sentence = note(directory)
        if sentence:
            print(sentence, file=sys.stderr)
            sys.exit(1)
    elif sys.argv[1] == "others":
        sentence = others(directory)
        if sentence:
            print(sentence)
    else:
        try:
            print(require_url(directory))
        except LookupError as error:
            sys.exit(str(error))
