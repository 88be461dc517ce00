# SPDX-License-Identifier: BSD-2-Clause
"""Turn bench/overlay samples into the tables of docs/performance.md.

    python3 summary.py SAMPLES

SAMPLES has one sample per line, tab-separated, in the order measured:

    pps|tcp|cpu|loss <TAB> CASE <TAB> ferry|baseline|external|ferry-tc|ferry-old
        <TAB> VALUE
    bpf <TAB> PROGRAM <TAB> MAP_ENTRIES <TAB> NS

pps is received packets/s, tcp Gbit/s, cpu sender CPU ns per packet, loss
the fraction of UDP packets sent but not received, bpf ns per test_run
repetition.  The k-th samples of a case for the
paths come from one interleaved run (round k), so ratios and differences
are taken per round first: whatever the machine did during a round then
moves both sides together.  Every cell is "median (min-max)" over the
rounds.  The target column only reports; nothing here asserts.
"""

import statistics
import sys

RATIO_TARGET = 0.9
EGRESS_TARGET_NS = 100.0
BPF_FLOOR = "empty"
BPF_ROWS = (
    ("empty", "empty tc program (the floor)"),
    ("ovl_egress", "ovl_egress (the tunnel program), exact-match hashes"),
    ("ovl_ingress", "ovl_ingress decision, exact-match hashes"),
    ("ovl_egress_trie", "ovl_egress, LPM tries"),
    ("ovl_ingress_trie", "ovl_ingress decision, LPM tries"),
)
UNITS = {"pps": ("kpps", 1e-3, "{:.0f}"), "tcp": ("Gbit/s", 1, "{:.2f}")}


def cell(values, fmt):
    """'median (min-max)' of values, each formatted with fmt."""
    med = fmt.format(statistics.median(values))
    if len(values) == 1:
        return med
    return "%s (%s-%s)" % (med, fmt.format(min(values)),
                           fmt.format(max(values)))


def paired(a, b, op):
    return [op(x, y) for x, y in zip(a, b)]


def read(lines):
    """(group, case) -> {variant: [values]}, and the keys in input order."""
    data, order = {}, []
    for n, line in enumerate(lines, 1):
        f = line.rstrip("\n").split("\t")
        if f == [""]:
            continue
        if f[0] == "bpf" and len(f) == 4:
            key, variant, value = ("bpf", f[1]), int(f[2]), f[3]
        elif f[0] in ("pps", "tcp", "cpu", "loss") and len(f) == 4:
            key, variant, value = (f[0], f[1]), f[2], f[3]
        else:
            sys.exit("summary.py: line %d: cannot parse %r" % (n, line))
        if key not in data:
            data[key] = {}
            order.append(key)
        data[key].setdefault(variant, []).append(float(value))
    return data, order


def rate_table(data, order):
    out = [
        "| traffic | ferry | baseline: plain vxlan | ferry / baseline"
        " | target | external, no BPF / baseline"
        " | ferry on tc filters / baseline"
        " | ferry without underlay decap / baseline |",
        "|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    for key in order:
        group, case = key
        if group not in UNITS:
            continue
        unit, scale, fmt = UNITS[group]
        v = data[key]
        f, b, x = v.get("ferry"), v.get("baseline"), v.get("external")
        t, o = v.get("ferry-tc"), v.get("ferry-old")
        if not f or not b:
            continue
        ratio = paired(f, b, lambda p, q: p / q)
        med = statistics.median(ratio)
        out.append("| %s, %s | %s | %s | %s | >= %.1f: %s | %s | %s | %s |" % (
            case, unit, cell([s * scale for s in f], fmt),
            cell([s * scale for s in b], fmt), cell(ratio, "{:.2f}"),
            RATIO_TARGET, "met" if med >= RATIO_TARGET else "below",
            cell(paired(x, b, lambda p, q: p / q), "{:.2f}") if x
            else "-",
            cell(paired(t, b, lambda p, q: p / q), "{:.2f}") if t
            else "-",
            cell(paired(o, b, lambda p, q: p / q), "{:.2f}") if o
            else "-"))
    return out


def cost_table(data, order):
    out = [
        "| UDP traffic | ferry | baseline | ferry - baseline"
        " | of which external mode | of which BPF + hook"
        " | tc filters instead of tcx"
        " | underlay decap (ferry - ferry without) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key in order:
        group, case = key
        if group != "cpu":
            continue
        v = data[key]
        f, b, x = v.get("ferry"), v.get("baseline"), v.get("external")
        t, o = v.get("ferry-tc"), v.get("ferry-old")
        if not f or not b:
            continue
        sub = lambda p, q: p - q  # noqa: E731
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            case, cell(f, "{:.0f}"), cell(b, "{:.0f}"),
            cell(paired(f, b, sub), "{:+.0f}"),
            cell(paired(x, b, sub), "{:+.0f}") if x else "-",
            cell(paired(f, x, sub), "{:+.0f}") if x else "-",
            cell(paired(t, o or f, sub), "{:+.0f}") if t else "-",
            cell(paired(f, o, sub), "{:+.0f}") if o else "-"))
    return out


def loss_line(data):
    worst = {}
    for (group, _), variants in data.items():
        if group != "loss":
            continue
        for v, values in variants.items():
            worst[v] = max(worst.get(v, 0.0), max(values))
    if not worst:
        return []
    return ["UDP packets lost between sender and receiver, worst round: " +
            ", ".join("%s %.2f%%" % (v, 100 * worst[v])
                      for v in sorted(worst)) + "."]


def bpf_table(data):
    sizes = sorted({n for (g, _), v in data.items() if g == "bpf" for n in v})
    floor = data.get(("bpf", BPF_FLOOR), {})
    if not sizes or not all(floor.get(n) for n in sizes):
        return []
    heads = ["%d map entr%s | minus floor" % (n, "y" if n == 1 else "ies")
             for n in sizes]
    out = [
        "| program | " + " | ".join(heads) + " | target |",
        "|---|" + "---:|---:|" * len(sizes) + "---|",
    ]
    for prog, label in BPF_ROWS:
        cells, net = [], None
        for n in sizes:
            v = data.get(("bpf", prog), {}).get(n)
            if not v:
                cells += ["-", "-"]
                continue
            net = statistics.median(v) - statistics.median(floor[n])
            cells += [cell(v, "{:.0f}"),
                      "-" if prog == BPF_FLOOR else "%.0f" % net]
        target = ""
        if prog == "ovl_egress" and net is not None:
            target = "<= %.0f ns at %d entries: %s" % (
                EGRESS_TARGET_NS, sizes[-1],
                "met" if net <= EGRESS_TARGET_NS else "above")
        out.append("| %s | %s | %s |" % (label, " | ".join(cells), target))
    return out


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: summary.py SAMPLES")
    with open(argv[1]) as f:
        data, order = read(f)
    tables = (
        ("Rate, median (min-max) over rounds", rate_table(data, order)),
        ("Sender CPU per packet along the whole path, ns",
         cost_table(data, order) + [""] + loss_line(data)),
        ("BPF_PROG_TEST_RUN, ns per packet, median (min-max) over runs",
         bpf_table(data)),
    )
    first = True
    for title, rows in tables:
        if len(rows) <= 2:
            continue
        if not first:
            print()
        first = False
        print(title + ":")
        print()
        print("\n".join(rows))


if __name__ == "__main__":
    main(sys.argv)
