# SPDX-License-Identifier: BSD-2-Clause
"""Turn bench/bgp samples into Markdown tables.

    python3 summary.py SAMPLES

SAMPLES has one measurement per line, tab-separated, as bench/bgp/run
writes them (the last five fields are birdwatch.py's output):

    N  SETS|pool  floor|bird|ferry  REP  IMPORTED  UP_TO_ALL_S
        ENABLE_TO_ALL_S  VMHWM_KB  CPU_S  WIRE_BYTES  [INJ_BYTES]

WIRE_BYTES: bytes the monitor was sent on its link during the transfer
(IP and TCP headers included), a measure of how well UPDATEs were packed;
INJ_BYTES: the same on the injector's link to the next hop (-1: none).
How the injector packs depends on its receiver: BIRD builds an UPDATE
when its socket can take one, so a receiver that lags gets fuller ones.

Every cell is "median (min-max)" over the repetitions.  "all arrived"
counts the repetitions in which the monitor imported all N; a cell whose
repetitions did not all arrive is marked, and its time is only a lower
bound.  Nothing here asserts.
"""

import math
import statistics
import sys

PATHS = (("floor", "injector -> monitor (floor)"),
         ("bird", "BIRD in the middle"),
         ("ferry", "ferryd in the middle"))


def cell(values, fmt):
    values = [v for v in values if not math.isnan(v)]
    if not values:
        return "-"
    med = fmt.format(statistics.median(values))
    if len(values) == 1:
        return med
    return "%s (%s-%s)" % (med, fmt.format(min(values)),
                           fmt.format(max(values)))


def count(n):
    if n >= 1000000 and n % 1000000 == 0:
        return "%dM" % (n // 1000000)
    if n >= 1000 and n % 1000 == 0:
        return "%dk" % (n // 1000)
    return str(n)


def read(path):
    data, order = {}, []
    with open(path) as f:
        for no, line in enumerate(f, 1):
            fl = line.rstrip("\n").split("\t")
            if fl == [""]:
                continue
            if len(fl) == 10:
                fl.append("-1")
            if len(fl) != 11:
                sys.exit("summary.py: line %d: cannot parse %r" % (no, line))
            key = (int(fl[0]), fl[1], fl[2])
            if key not in data:
                data[key] = []
                order.append(key)
            data[key].append({
                "n": int(fl[0]),
                "imported": int(fl[4]),
                "time": float(fl[5]),
                "rss": int(fl[7]) / 1024 if int(fl[7]) >= 0 else math.nan,
                "cpu": float(fl[8]) if float(fl[8]) >= 0 else math.nan,
                "wire": int(fl[9]) / int(fl[0]),
                "inj": (int(fl[10]) / int(fl[0]) if int(fl[10]) >= 0
                        else math.nan),
            })
    return data, order


def arrived(samples):
    ok = sum(1 for s in samples if s["imported"] >= s["n"])
    mark = "" if ok == len(samples) else " **INCOMPLETE**"
    return "%d/%d%s" % (ok, len(samples), mark)


def med(samples, field):
    values = [s[field] for s in samples if not math.isnan(s[field])]
    return statistics.median(values) if values else math.nan


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: summary.py SAMPLES")
    data, order = read(sys.argv[1])
    shapes = []
    for n, sets, _ in order:
        if sets != "pool" and (n, sets) not in shapes:
            shapes.append((n, sets))

    print("Transfer: time from the injector's session coming up until the "
          "monitor holds all prefixes; peak RSS (VmHWM) and CPU time of "
          "the daemon in the middle; bytes on the wire to the monitor per "
          "prefix (how well the UPDATEs were packed), and from the "
          "injector to its receiver.\n")
    print("| prefixes | attribute sets | path | time, s | peak RSS, MB "
          "| CPU, s | wire B/prefix | injector B/prefix | all arrived |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n, sets in shapes:
        for path, label in PATHS:
            s = data.get((n, sets, path))
            if not s:
                continue
            print("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                count(n), "1 (shared)" if sets == "1" else
                count(int(sets)), label,
                cell([x["time"] for x in s], "{:.2f}"),
                cell([x["rss"] for x in s], "{:.0f}"),
                cell([x["cpu"] for x in s], "{:.2f}"),
                "%.1f" % med(s, "wire"),
                "-" if math.isnan(med(s, "inj")) else "%.1f" % med(s, "inj"),
                arrived(s)))

    rows = []
    for n, sets in shapes:
        f, b, fl = (data.get((n, sets, p)) for p in ("ferry", "bird",
                                                      "floor"))
        if not (f and b):
            continue
        tf, tb = med(f, "time"), med(b, "time")
        t0 = med(fl, "time") if fl else math.nan
        rows.append("| %s | %s | %.2f | %.2f | %s | %s | %s |" % (
            count(n), "1 (shared)" if sets == "1" else count(int(sets)),
            tf / tb if tb > 0 else math.nan,
            med(f, "rss") / med(b, "rss"),
            "%.2f" % (med(f, "cpu") / med(b, "cpu"))
            if med(b, "cpu") > 0 else "-",
            "%+.2f" % (tb - t0) if fl else "-",
            "%+.2f" % (tf - t0) if fl else "-"))
    if rows:
        print("\nferryd against BIRD: ratios of the medians above (below 1: "
              "ferryd is faster or smaller), and the time each adds to the "
              "floor (injector straight to the monitor).\n")
        print("| prefixes | attribute sets | time | peak RSS | CPU "
              "| BIRD above floor, s | ferryd above floor, s |")
        print("|---|---|---|---|---|---|---|")
        for r in rows:
            print(r)

    pools = [k for k in order if k[1] == "pool"]
    if pools:
        print("\nPool: ferryd originates per-address /32s; time from the "
              "monitor's session coming up until it holds them all.\n")
        print("| pool addresses | time, s | ferryd peak RSS, MB "
              "| ferryd CPU, s | wire B/prefix | all arrived |")
        print("|---|---|---|---|---|---|")
        for k in pools:
            s = data[k]
            print("| %s | %s | %s | %s | %.1f | %s |" % (
                count(k[0]), cell([x["time"] for x in s], "{:.3f}"),
                cell([x["rss"] for x in s], "{:.0f}"),
                cell([x["cpu"] for x in s], "{:.2f}"), med(s, "wire"),
                arrived(s)))


if __name__ == "__main__":
    main()
