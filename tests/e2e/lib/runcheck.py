#!/usr/bin/env python3
"""runcheck.py - checks on `mqreset run` outputs for tests/e2e/run*.sh.

  runcheck.py counts REPORT                 "ok=N failed=N ..." (all statuses)
  runcheck.py status REPORT STATUS N [STATUS N ...]
                                            exactly N rows with STATUS
  runcheck.py journal-once REPORT JOURNAL   every ok row applied exactly once
                                            and its RequestId is the one the
                                            journal recorded; nothing else
                                            applied
  runcheck.py type0-once JOURNAL            no type 0 row applied twice
  runcheck.py applied JOURNAL N             exactly N journal lines
  runcheck.py plan-order REPORT PLAN        one row per plan row, in order
  runcheck.py field REPORT LINE COLUMN      print a cell of the row at LINE
  runcheck.py json FILE KEY[.KEY]           print a summary JSON value
  runcheck.py field-is REPORT LINE COLUMN=VALUE...
                                            the row at LINE has these cells
                                            (VALUE "*": any non-empty one;
                                            COLUMN~TEXT: holds TEXT, in any
                                            case)
  runcheck.py json-is FILE KEY=VALUE|KEY>=N|KEY<=N...
                                            the summary JSON has these
                                            values (KEY as for json)
  runcheck.py applied-reported REPORT JOURNAL
                                            every applied row is ok or
                                            unknown in REPORT (none lost)
  runcheck.py rows-from REPORT LINE STATUS  every row from LINE on has STATUS
  runcheck.py chain PLAN JOURNAL FINAL [REPORT...]
                                            a kill chain's figures (see
                                            chain_figures); exit 1 unless
                                            the losses are all 0
Exit status 0 when the check holds; the reason is printed otherwise.
"""
import csv
import json
import sys
from collections import Counter

STATUSES = ["ok", "failed", "unknown", "not-run", "skipped", "dry-run"]


def report(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return rows


def journal(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                if line.strip():
                    out.append(json.loads(line))
    except FileNotFoundError:
        pass
    return out


def key_r(r):
    return (r["group_id"], r["topic"])


def key_j(j):
    return (j["group_id"], j["topic"])


def plan_keys(path):
    """(group, topic) of every plan row, in order (header by name)."""
    out = []
    with open(path, newline="") as f:
        header = None
        for rec in csv.reader(f):
            if not rec or not "".join(rec).strip() or rec[0].startswith("#"):
                continue
            if header is None:
                header = [h.strip().lower() for h in rec]
                gi, ti = header.index("groupid"), header.index("topic")
                continue
            out.append((rec[gi], rec[ti]))
    return out


def chain_figures(plan, journal_path, final, reports):
    """Figures of a chain of runs over plan (reports in chain order, the
    final one last):
      rows_lost          plan rows with no row in the final report
      type0_twice        type 0 rows the emulator applied more than once
      ok_not_applied     rows ok in any report, or ok/skipped in the final
                         one, that the emulator never applied
      applied_unreported applied rows the final report has not as ok,
                         skipped or unknown
      held               unknown rows in the final report (informative)
    """
    keys = plan_keys(plan)
    try:
        rows = report(final)
    except FileNotFoundError:
        rows = []
    j = journal(journal_path)
    applied = Counter(key_j(x) for x in j)
    t0 = Counter(key_j(x) for x in j if x["type"] == 0)
    have = Counter(key_r(r) for r in rows)
    f = {"examples": []}
    lost = [k for k in keys if have[k] == 0]
    f["rows_lost"] = len(lost)
    twice = [k for k, n in t0.items() if n > 1]
    f["type0_twice"] = len(twice)
    notapp = set()
    for rep in reports:
        try:
            cur = report(rep)
        except (FileNotFoundError, UnicodeDecodeError, csv.Error):
            continue
        for r in cur:
            st = r.get("status")
            if (st == "ok" or (rep == final and st == "skipped")) and \
                    applied[key_r(r)] == 0:
                notapp.add(key_r(r))
    f["ok_not_applied"] = len(notapp)
    status = {key_r(r): r["status"] for r in rows}
    unrep = [k for k in applied
             if status.get(k) not in ("ok", "skipped", "unknown")]
    f["applied_unreported"] = len(unrep)
    f["held"] = sum(1 for r in rows if r["status"] == "unknown")
    for name, v in (("lost", lost), ("type 0 applied twice", twice),
                    ("ok, never applied", sorted(notapp)),
                    ("applied, not reported", unrep)):
        if v:
            f["examples"].append("%s: %d, e.g. %r" % (name, len(v), v[:3]))
    return f


def json_value(path, keys):
    """The value at KEY[.KEY] of the JSON document in path."""
    with open(path) as f:
        v = json.load(f)
    for k in keys.split("."):
        v = v[k]
    return v


def fail(msg):
    print(msg)
    sys.exit(1)


def main(a):
    cmd = a[0]
    if cmd == "counts":
        c = Counter(r["status"] for r in report(a[1]))
        print(" ".join("%s=%d" % (s, c.get(s, 0)) for s in STATUSES))
    elif cmd == "status":
        c = Counter(r["status"] for r in report(a[1]))
        if len(a) < 4 or len(a) % 2 != 0:
            fail("status REPORT STATUS N [STATUS N ...]")
        for s, n in zip(a[2::2], a[3::2]):
            if c.get(s, 0) != int(n):
                fail("%s rows: %d, expected %s (%s)" % (s, c.get(s, 0), n,
                                                       dict(c)))
    elif cmd == "journal-once":
        rows = report(a[1])
        j = journal(a[2])
        applied = Counter(key_j(x) for x in j)
        ids = {}
        for x in j:
            ids.setdefault(key_j(x), []).append(x["request_id"])
        for r in rows:
            if r["status"] != "ok":
                continue
            k = key_r(r)
            if applied[k] != 1:
                fail("line %s %s applied %d times" % (r["line"], k,
                                                      applied[k]))
            if not r["request_id"] or ids[k] != [r["request_id"]]:
                fail("line %s: report RequestId %r, journal %r" % (
                    r["line"], r["request_id"], ids[k]))
        okk = {key_r(r) for r in rows if r["status"] == "ok"}
        extra = [k for k in applied if k not in okk]
        if extra:
            fail("applied but not ok in the report: %r" % extra[:5])
    elif cmd == "type0-once":
        c = Counter(key_j(x) for x in journal(a[1]) if x["type"] == 0)
        twice = [k for k, n in c.items() if n > 1]
        if twice:
            fail("type 0 rows cleared more than once: %r" % twice)
    elif cmd == "applied":
        n = len(journal(a[1]))
        if n != int(a[2]):
            fail("journal has %d applied resets, expected %s" % (n, a[2]))
    elif cmd == "plan-order":
        rows = report(a[1])
        lines = []
        with open(a[2], newline="") as f:
            rd = csv.reader(f)
            header = None
            for rec in rd:
                ln = rd.line_num
                if not rec or not "".join(rec).strip() or \
                        rec[0].startswith("#"):
                    continue
                if header is None:
                    header = rec
                    continue
                lines.append(ln)
        got = [int(r["line"]) for r in rows]
        if got != lines:
            fail("report lines %r..., plan lines %r..." % (got[:8],
                                                          lines[:8]))
    elif cmd == "field":
        for r in report(a[1]):
            if r["line"] == a[2]:
                print(r[a[3]])
                return
        fail("no row for line %s" % a[2])
    elif cmd == "json":
        print(json_value(a[1], a[2]))
    elif cmd == "field-is":
        row = next((r for r in report(a[1]) if r["line"] == a[2]), None)
        if row is None:
            fail("no row for line %s" % a[2])
        for want in a[3:]:
            if "~" in want and ("=" not in want or
                                want.index("~") < want.index("=")):
                col, val = want.split("~", 1)
                if val.lower() not in row[col].lower():
                    fail("line %s: %s is %r, expected it to hold %r" % (
                        a[2], col, row[col], val))
                continue
            col, val = want.split("=", 1)
            got = row[col]
            if (val == "*" and not got) or (val != "*" and got != val):
                fail("line %s: %s is %r, expected %s" % (
                    a[2], col, got, "non-empty" if val == "*" else
                    repr(val)))
    elif cmd == "json-is":
        for want in a[2:]:
            if ">=" in want or "<=" in want:
                op = ">=" if ">=" in want else "<="
                key, n = want.split(op, 1)
                got = int(json_value(a[1], key))
                if (op == ">=" and got < int(n)) or \
                        (op == "<=" and got > int(n)):
                    fail("%s is %r, expected %s %s" % (key, got, op, n))
            else:
                key, val = want.split("=", 1)
                got = str(json_value(a[1], key))
                if got != val:
                    fail("%s is %r, expected %r" % (key, got, val))
    elif cmd == "applied-reported":
        status = {key_r(r): r["status"] for r in report(a[1])}
        miss = [(k, status.get(k)) for k in
                dict.fromkeys(key_j(x) for x in journal(a[2]))
                if status.get(k) not in ("ok", "unknown")]
        if miss:
            fail("%d applied rows not ok/unknown in the report: %r" % (
                len(miss), miss[:5]))
    elif cmd == "rows-from":
        bad = [(r["line"], r["status"]) for r in report(a[1])
               if int(r["line"]) >= int(a[2]) and r["status"] != a[3]]
        if bad:
            fail("rows from line %s not %s: %r" % (a[2], a[3], bad[:5]))
    elif cmd == "chain":
        f = chain_figures(a[1], a[2], a[3], a[4:] or [a[3]])
        print(" ".join("%s=%d" % (k, v) for k, v in f.items()
                       if k != "examples"))
        for m in f["examples"]:
            print(m)
        if f["rows_lost"] or f["type0_twice"] or f["ok_not_applied"]:
            sys.exit(1)
    else:
        fail("unknown check " + cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
