#!/usr/bin/env python3
"""truthcheck.py - checks that outcomes are reported truthfully, for
tests/e2e/run_truth.sh (the emulator's journal of applied resets and its
request log against mqreset's report).

  truthcheck.py applied-once JOURNAL          no row applied twice (any type)
  truthcheck.py ok-applied REPORT JOURNAL     every ok row was applied
  truthcheck.py applied-not-ok REPORT JOURNAL STATUS
                                              every row applied but not ok
                                              in the report has STATUS; at
                                              least one such row exists
  truthcheck.py quiet REQLOG MARGIN_MS        no request arrived while a
                                              throttle hint said wait
                                              (from MARGIN_MS after the hint
                                              reply to its end); at least
                                              one hint was sent
  truthcheck.py attempts REPORT GROUP_PREFIX MAX
                                              requests sent for the rows of
                                              groups starting with
                                              GROUP_PREFIX are at most MAX
  truthcheck.py cell-has REPORT LINE COLUMN TEXT
                                              the cell contains TEXT
  truthcheck.py deny-state SRC DST ACTION     write DST: the emulator state
                                              SRC with ACTION in the first
                                              credential's Deny list
Exit status 0 when the check holds; the reason is printed otherwise.
"""
import csv
import json
import sys
from collections import Counter


def rows_of(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def lines_of(path):
    out = []
    with open(path) as f:
        for line in f:
            if line.strip():
                out.append(json.loads(line))
    return out


def key_r(r):
    return (r["group_id"], r["topic"], int(r["type"]))


def key_j(j):
    return (j["group_id"], j["topic"], int(j["type"]))


def fail(msg):
    print(msg)
    sys.exit(1)


def main(a):
    cmd = a[0]
    if cmd == "applied-once":
        c = Counter(key_j(x) for x in lines_of(a[1]))
        twice = [k for k, n in c.items() if n > 1]
        if twice:
            fail("applied more than once: %d rows, e.g. %r" %
                 (len(twice), twice[:3]))
    elif cmd == "ok-applied":
        applied = Counter(key_j(x) for x in lines_of(a[2]))
        bad = [r["line"] for r in rows_of(a[1])
               if r["status"] == "ok" and applied[key_r(r)] == 0]
        if bad:
            fail("ok but never applied: lines %r" % bad[:5])
    elif cmd == "applied-not-ok":
        status = {key_r(r): r["status"] for r in rows_of(a[1])}
        applied = {key_j(x) for x in lines_of(a[2])}
        other = [k for k in applied if status.get(k) != "ok"]
        if not other:
            fail("no applied row is reported other than ok: the fault "
                 "never fired")
        bad = [(k, status.get(k)) for k in other if status.get(k) != a[3]]
        if bad:
            fail("applied, reported neither ok nor %s: %r" % (a[3], bad[:5]))
    elif cmd == "quiet":
        log = lines_of(a[1])
        margin = int(a[2])
        hints = [(x["t_done_ms"], x["hint_ms"]) for x in log
                 if x.get("hint_ms", 0) > 0]
        if not hints:
            fail("no throttle hint was sent")
        bad = []
        for x in log:
            t = x["t_ms"]
            for done, h in hints:
                if done + margin < t < done + h:
                    bad.append((t - done, h))
                    break
        if bad:
            fail("%d of %d requests arrived inside a hinted quiet window "
                 "(ms after the hint, hint): %r" % (len(bad), len(log),
                                                   bad[:5]))
        print("%d hints, %d requests, none inside a quiet window" %
              (len(hints), len(log)))
    elif cmd == "attempts":
        n = sum(int(r["attempts"] or 0) for r in rows_of(a[1])
                if r["group_id"].startswith(a[2]))
        if n > int(a[3]):
            fail("%d requests for groups %s*, at most %s expected" %
                 (n, a[2], a[3]))
    elif cmd == "cell-has":
        for r in rows_of(a[1]):
            if r["line"] == a[2]:
                if a[4] not in r[a[3]]:
                    fail("line %s %s: %r lacks %r" % (a[2], a[3], r[a[3]],
                                                     a[4]))
                return
        fail("no row for line %s" % a[2])
    elif cmd == "deny-state":
        with open(a[1]) as f:
            d = json.load(f)
        d["Credentials"][0]["Deny"] = [a[3]]
        with open(a[2], "w") as f:
            json.dump(d, f)
    else:
        fail("unknown check %s" % cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
