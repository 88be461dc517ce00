# SPDX-License-Identifier: BSD-2-Clause
"""Static routes for the bench/bgp injector, in BIRD 2 config syntax.

    python3 gen_routes.py N SETS > routes.conf

Prints the body of a `protocol static` block: N IPv4 /24s counted up from
16.0.0.0 (N <= 2^20, so they stay inside 16.0.0.0/4).  With SETS <= 1
every route is a bare blackhole and they all share one attribute set on
the wire.  With SETS > 1, route i carries attribute set i % SETS: two AS
numbers prepended to its path and a community, keyed on the set number,
so there are exactly min(N, SETS) distinct sets and neighbouring prefixes
are in different sets (the daemons must regroup them).
"""

import sys


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: gen_routes.py N SETS")
    n, sets = int(sys.argv[1]), int(sys.argv[2])
    if not 0 < n <= 1 << 20:
        sys.exit("gen_routes.py: N must be 1 .. 2^20")
    out = sys.stdout
    lines = []
    for i in range(n):
        pfx = "%d.%d.%d.0/24" % (16 + (i >> 16), (i >> 8) & 255, i & 255)
        if sets <= 1:
            lines.append("route %s blackhole;\n" % pfx)
        else:
            s = i % sets
            lines.append(
                "route %s blackhole { bgp_path.prepend(%d); "
                "bgp_path.prepend(%d); bgp_community.add((65001, %d)); };\n"
                % (pfx, 64600 + s % 100, 4200000000 + s // 100, s))
        if len(lines) == 65536:
            out.write("".join(lines))
            lines = []
    out.write("".join(lines))


if __name__ == "__main__":
    main()
