#!/usr/bin/env python3
"""killchain.py - one seeded kill chain of `mqreset run` (kill -9 at
chosen moments, each next run resuming from the newest report), for
tests/e2e/run_killchain.sh and tests/soak/killchain.sh.

  killchain.py --mqreset BIN --plan PLAN --dir DIR --endpoint URL
               --journal JOURNAL --seed N [--rate R] [--workers W]
               [--max-kills K] [--copy-ms MS]

Every decision (how many kills, where each one goes, the delays) is
drawn from random.Random(seed) and printed before it is carried out, so
`--seed N` replays the same kill points (the moments they land in still
depend on the machine's timing).  Kill points:

  rows K +D   the report has K lines more than it started with, then D ms
  copy +D     the resumed run's report (or its REPORT.start-* staging
              file) appears, then D ms (D up to --copy-ms, or 8 times
              that): inside the copy-forward window, or just after it
  time +D     D ms after the run started

The first kill goes into the fresh run (rows), at least one later kill
into a copy-forward window.  The next run resumes from the newest report
that exists, as mqreset(1) tells the operator; the last run is not
killed.  Then the chain's figures come from runcheck.chain_figures and
one line is printed:

  figures seed=N kills=K runs=R rows_lost=N type0_twice=N ok_not_applied=N
      applied_unreported=N held=N bad_exits=N

Exit status 0 when rows_lost, type0_twice, ok_not_applied,
applied_unreported and bad_exits are all 0.
"""
import argparse
import glob
import os
import random
import signal
import subprocess
import sys
import time

import runcheck

POLL_S = 0.0005


def line_count(path, state):
    """Lines in path, read incrementally (state: [offset, count])."""
    try:
        with open(path, "rb") as f:
            f.seek(state[0])
            data = f.read()
    except FileNotFoundError:
        return None
    state[0] += len(data)
    state[1] += data.count(b"\n")
    return state[1]


def copy_started(report):
    return os.path.exists(report) or bool(glob.glob(report + ".start-*"))


def carried_lines(prev):
    """Rows of prev a resumed run carries forward (ok, skipped, unknown)."""
    if prev is None:
        return 0
    try:
        rows = runcheck.report(prev)
    except (FileNotFoundError, UnicodeDecodeError):
        return 0
    return sum(1 for r in rows
               if r.get("status") in ("ok", "skipped", "unknown"))


def run_one(a, idx, prev, point, log):
    """Run number idx (resuming from prev), kill -9 at point (or not).
    Returns (exit status, what happened)."""
    report = os.path.join(a.dir, "r%d.csv" % idx)
    # --no-preflight: the chain kills the engine, not the preflight's reads
    argv = [a.mqreset, "run", a.plan, "--report", report, "--execute",
            "--no-preflight", "--endpoint", a.endpoint, "--rate", str(a.rate),
            "--workers", str(a.workers), "--seed", str(a.seed * 10 + idx)]
    if prev is not None:
        argv += ["--resume", prev]
    out = open(report + ".out", "wb")
    err = open(report + ".err", "wb")
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=out, stderr=err)
    out.close()
    err.close()
    if point is None:
        return p.wait(), "ran to the end"
    kind, k, delay = point
    base = carried_lines(prev) + 1  # + the header
    state = [0, 0]
    seen = None
    while p.poll() is None:
        if kind == "rows":
            n = line_count(report, state)
            if n is not None and n >= base + k:
                seen = "%d report lines" % n
        elif kind == "copy":
            if copy_started(report):
                seen = "%s appeared" % ("report" if os.path.exists(report)
                                        else "staging file")
        elif kind == "time":
            seen = "started"
            delay = max(0.0, delay - (time.monotonic() - t0) * 1000)
        if seen is not None:
            break
        time.sleep(POLL_S)
    if seen is None:
        return p.wait(), "ended before the kill point"
    time.sleep(delay / 1000.0)
    try:
        p.send_signal(signal.SIGKILL)
    except ProcessLookupError:
        pass
    st = p.wait()
    n = line_count(report, [0, 0])
    what = "%s, killed %.1f ms later; %s has %s lines%s" % (
        seen, delay, os.path.basename(report),
        "no" if n is None else n,
        ", staging file left" if glob.glob(report + ".start-*") else "")
    return st, what


def plan_points(rng, rows, max_kills, copy_ms):
    nk = rng.randint(2, max_kills) if max_kills >= 2 else 1
    pts = [("rows", rng.randint(rows // 5, rows * 4 // 5),
            rng.uniform(0, 10))]
    copy_at = rng.randint(1, nk - 1) if nk > 1 else None
    for i in range(1, nk):
        if i == copy_at:
            kind = "copy"
        else:
            kind = rng.choice(["rows", "copy", "time"])
        if kind == "copy":
            # Mostly while the inherited rows are copied; sometimes later,
            # between the report's rename and the first request.
            span = copy_ms if rng.random() < 0.6 else 8 * copy_ms
            pts.append(("copy", 0, rng.uniform(0, span)))
        elif kind == "rows":
            pts.append(("rows", rng.randint(1, max(1, rows // 3)),
                        rng.uniform(0, 10)))
        else:
            pts.append(("time", 0, rng.uniform(0, 400)))
    return pts


def describe(pt):
    kind, k, d = pt
    if kind == "rows":
        return "rows %d +%.1f ms" % (k, d)
    return "%s +%.1f ms" % (kind, d)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mqreset", required=True)
    ap.add_argument("--plan", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--journal", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--rate", type=float, default=400)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--max-kills", type=int, default=3)
    ap.add_argument("--copy-ms", type=float, default=4)
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    rows = len(runcheck.plan_keys(a.plan))
    rng = random.Random(a.seed)
    points = plan_points(rng, rows, a.max_kills, a.copy_ms)
    tag = "seed=%d" % a.seed
    print("chain %s: kill points: %s" % (
        tag, "; ".join(describe(p) for p in points)), flush=True)
    reports = []
    kills = 0
    bad_exits = 0
    for idx, pt in enumerate(points + [None], start=1):
        prev = next((r for r in reversed(reports) if os.path.exists(r)),
                    None)
        st, what = run_one(a, idx, prev, pt, sys.stdout)
        report = os.path.join(a.dir, "r%d.csv" % idx)
        reports.append(report)
        killed = st == -signal.SIGKILL
        kills += killed
        # A run that was not killed ends 0 or 1 (held type 0 rows); 3
        # would mean an abort, 2 a refusal: both a failure here.
        if not killed and st not in (0, 1):
            bad_exits += 1
            what += "; UNEXPECTED exit %d: %s" % (st, open(
                report + ".err", errors="replace").read()[-600:].strip())
        print("chain %s: run %d (%s) %s: %s; exit %s" % (
            tag, idx, "resume " + os.path.basename(prev) if prev else
            "fresh", "kill point " + describe(pt) if pt else "final run",
            what, "kill -9" if killed else st), flush=True)
    f = runcheck.chain_figures(a.plan, a.journal, reports[-1], reports)
    f["kills"] = kills
    f["runs"] = len(reports)
    f["bad_exits"] = bad_exits
    keys = ["kills", "runs", "rows_lost", "type0_twice", "ok_not_applied",
            "applied_unreported", "held", "bad_exits"]
    print("figures %s %s" % (tag, " ".join("%s=%d" % (k, f[k]) for k in keys)),
          flush=True)
    for msg in f["examples"]:
        print("chain %s:   %s" % (tag, msg))
    bad = sum(f[k] for k in ("rows_lost", "type0_twice", "ok_not_applied",
                             "applied_unreported", "bad_exits"))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
