"""`scripts/tether delete`: a preview first (how many records match and the first of them), then a
confirmation, then the delete, guarded by the count the operator saw, so that nothing that changed in
between is taken silently."""
import sys

from tether_client import Failure

DELETE_PATH = "/api/contacts/query-bulk-delete"
# Matches a preview lists (the server sends 20): enough to recognise what the filter takes, few enough to read
# before answering the prompt.
PREVIEW_SHOWN = 5
# The exit status of a delete that was not confirmed (a wrong answer, end of input, Ctrl-C at the prompt): no job.
EXIT_ABORTED = 6
EXIT_USAGE = 2


class Stop(Exception):
    """Ends the command with `status` and a message on standard error, before any job was started."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def preview(client, filter_body, org, expected=None):
    """Asks for a dry run, prints its count, first matches and ignored keys; the count."""
    body = dict(filter_body, dryRun=True)
    if expected is not None:
        body["expectedCount"] = expected
    answer = client.call("DELETE", DELETE_PATH, body)
    count = answer["count"]
    print("%s record%s of org %s match%s" % ("{:,}".format(count), "" if count == 1 else "s", org, "es" if count == 1 else ""))
    sample = answer.get("sample", [])
    for record in sample[:PREVIEW_SHOWN]:
        print("  %s  %s  stage %s" % (record.get("_id"), record.get("name"), record.get("stageId")))
    if count > min(len(sample), PREVIEW_SHOWN):
        print("  ... and %s more" % "{:,}".format(count - min(len(sample), PREVIEW_SHOWN)))
    if answer.get("ignoredKeys"):
        print("ignored, not part of the filter: %s" % ", ".join(answer["ignoredKeys"]))
    return count


def confirmed_count(count, filter_body, org, yes, expected, permanent=False):
    """The count the delete is to be guarded with: --expected N, else the preview's once confirmed (--yes, or
    typed at the terminal: `yes`, or the org's name for an org-wide delete). A `Stop` when it is not confirmed.
    A permanent delete says so first, whichever way it is confirmed: it cannot be undone."""
    if permanent:
        print("PERMANENT: nothing is kept to restore, and the audit entries keep no name, email or phone")
    if expected is not None:
        return expected
    if yes:
        return count
    if not sys.stdin.isatty():
        raise Stop(EXIT_USAGE, "not on a terminal, so no one can confirm: pass --yes to delete the %s records the preview "
                               "counted, or --expected N with your own count" % "{:,}".format(count))
    if filter_body.get("orgWide"):
        wanted, prompt = org, "This %sdeletes EVERY record of org %s. Type the org's name to go on: " % (
            "permanently " if permanent else "", org)
    else:
        wanted, prompt = "yes", "Type yes to %sdelete these %s records: " % ("permanently " if permanent else "", "{:,}".format(count))
    sys.stderr.write(prompt)
    sys.stderr.flush()
    try:
        typed = sys.stdin.readline()
    except KeyboardInterrupt:
        typed = ""
    if typed.strip() != wanted:
        raise Stop(EXIT_ABORTED, "aborted (the answer was not %s): no job started" % wanted)
    return count


def start(client, filter_body, expected, throttle=None, idempotency_key=None, permanent=False):
    """Starts the delete with `expectedCount`: a 409 because the match changed since the preview says so. The answer."""
    body = dict(filter_body, expectedCount=expected)
    if permanent:
        body["permanent"] = True
    if throttle is not None:
        body["requestsPerSecond"] = throttle
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
    answer = client.exchange("DELETE", DELETE_PATH, body, accept=(202, 409), headers=headers)
    if answer.status == 409:
        now = client.call("POST", "/api/contacts/query-count", filter_body)["count"]
        if now != expected:
            raise Failure("the match changed from %s to %s records since the preview; nothing was deleted: run the command "
                          "again to see the new preview" % ("{:,}".format(expected), "{:,}".format(now)))
        raise Failure("the delete was refused (409): %s" % answer.body.get("message", ""))
    return answer
