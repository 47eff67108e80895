"""What scripts/cluster start says while SwiftPM builds: that it is building, and how far it is.

    swift build -c release 2>&1 | python3 scripts/lib/build_progress.py [--terminal] [--first]

Reads SwiftPM's output on standard input and writes its own lines on standard output. A build
with work to do (a `[n/m]` step that compiles, emits a module or links) first says so, once,
then how far it is: on a terminal (--terminal) one line rewritten in place with the step it is
at, otherwise a plain line at each tenth of the steps. At SwiftPM's "Build complete!" it says how
long the build took; a build that fails ends without it (the caller shows SwiftPM's errors).
A build with nothing to do (no such step) prints nothing: most starts. With --first (no release
build exists yet) it says at once that it builds, before SwiftPM's first step, which takes a
while to plan. SwiftPM's own output is
for the caller to keep (the build's errors): this prints only progress.
"""
import re
import sys
import time

STEP = re.compile(r"^\[(\d+)/(\d+)\] (.*)$")
COMPLETE = "Build complete!"
# The steps that are work: a no-op build's steps only write and plan.
WORK = re.compile(r"^(Compiling|Emitting module|Linking|Building|Merging module)")
# A plain line at each this many parts of the build (tenths).
PLAIN_PARTS = 10
PREFIX = "scripts/cluster: "


class Progress:
    """Turns SwiftPM's lines into progress lines, written with `write`."""

    def __init__(self, terminal, write, first=False):
        self.terminal = terminal
        self.write = write
        self.began = None
        self.shown_part = -1
        if first:
            self.announce()

    def announce(self):
        self.began = time.monotonic()
        self.write(PREFIX + "building (release), this takes a few minutes the first time...\n")

    def line(self, text):
        if text.startswith(COMPLETE):
            self.complete()
            return
        step = STEP.match(text.strip())
        if not step or (self.began is None and not WORK.match(step.group(3))):
            return
        done, total, what = int(step.group(1)), max(int(step.group(2)), 1), step.group(3)
        if self.began is None:
            self.announce()
        if self.terminal:
            self.write("\r\033[K%sbuilding [%d/%d] %s" % (PREFIX, done, total, what[:60]))
            return
        part = done * PLAIN_PARTS // total
        if part > self.shown_part:
            self.shown_part = part
            self.write("%sbuilding: %d%% (step %d of %d)\n" % (PREFIX, done * 100 // total, done, total))

    def complete(self):
        if self.began is None:
            return
        ended = "%sbuilt in %ds\n" % (PREFIX, round(time.monotonic() - self.began))
        self.write(("\r\033[K" + ended) if self.terminal else ended)
        self.began = None

    def end(self):
        """At the end of SwiftPM's output: a terminal's progress line, left open by a failed build, is ended."""
        if self.began is not None and self.terminal:
            self.write("\n")


if __name__ == "__main__":
    progress = Progress("--terminal" in sys.argv[1:], lambda text: (sys.stdout.write(text), sys.stdout.flush()), first="--first" in sys.argv[1:])
    for received in sys.stdin:
        progress.line(received)
    progress.end()
