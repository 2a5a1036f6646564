#!/usr/bin/env python3
"""pty_run.py ANSWER CMD ARGS... - run CMD with its standard input, output
and error on a pseudo-terminal (as an operator at a terminal), type ANSWER
(and a newline) when it asks a "[y/N]" question, or the end of input
(Ctrl-D) when ANSWER is "EOF".  The terminal's transcript goes to standard
output; the exit status is CMD's.  Used by tests/e2e/run_guide.sh."""
import os
import select
import subprocess
import sys
import time

answer, cmd = sys.argv[1], sys.argv[2:]
master, slave = os.openpty()
p = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave,
                     close_fds=True, start_new_session=True)
os.close(slave)
out = b""
asked = False
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    r, _, _ = select.select([master], [], [], 0.1)
    if r:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
        if not asked and b"[y/N]" in out:
            asked = True
            # The terminal's end of input is its EOF character (Ctrl-D).
            os.write(master, b"\x04" if answer == "EOF" else
                     answer.encode() + b"\n")
    elif p.poll() is not None:
        break
st = p.wait(timeout=60)
os.close(master)
sys.stdout.write(out.decode("utf-8", "replace"))
sys.exit(st)
