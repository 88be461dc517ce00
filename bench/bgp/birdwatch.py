# SPDX-License-Identifier: BSD-2-Clause
"""Drive and watch BIRD instances of bench/bgp over their control sockets.

    python3 birdwatch.py measure --enable SOCK:PROTO --up SOCK:PROTO
        --count SOCK:PROTO --n N --timeout SECS
        [--poke SOCK]... [--pid PID] [--trace FILE [--trace-pid PID]...]
    python3 birdwatch.py wait --count SOCK:PROTO --n N --timeout SECS
    python3 birdwatch.py established SOCK:PROTO

measure: `enable PROTO` on the --enable instance (nothing to enable when
it is "-"), then poll the --count protocol's imported route count every
few milliseconds until it reaches N or --timeout passes.  Every poll also
sends `show status` to each --poke instance: under load BIRD can sleep up
to ~3 s in its poll loop before its last UPDATE (see
/work/shared/PEERS.md), and any control socket traffic wakes it, so the
benchmark measures the transfer, not that sleep.  Then reads, with the ms
timeformat the configs set, when the --up protocol became Established.
Prints one line, tab-separated:

    imported  up_to_all_s  enable_to_all_s  vmhwm_kb  cpu_s

vmhwm_kb and cpu_s are those of --pid (the daemon in the middle; -1
without one): its peak RSS at the end and the CPU time it used between
the enable and the end.  Exit status 0 when all N arrived, 3 on timeout.

--trace FILE appends "seconds imported cpu_s..." at every poll (a
timeline of the transfer), with the CPU seconds of --pid and of each
--trace-pid.

wait: poll until the count reaches N (or exit 3 after --timeout).
established: exit 0 iff the protocol is Established.

One persistent connection per socket: a poll is a unix-socket round trip,
not a birdc process.  Every loop is bounded by --timeout.
"""

import argparse
import datetime
import os
import re
import socket
import sys
import time

POLL_SECS = 0.005
SINCE_RE = re.compile(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)")
ROUTES_RE = re.compile(r"Routes:\s+(\d+) imported")


class Bird:
    """A BIRD control-socket client (the protocol birdc speaks)."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(path)
        self.buf = b""
        self.reply()  # "0001 BIRD x.y.z ready."

    def reply(self):
        """Lines of one reply, without their 4-digit codes."""
        lines = []
        while True:
            while b"\n" not in self.buf:
                data = self.sock.recv(65536)
                if not data:
                    raise OSError("BIRD closed its control socket")
                self.buf += data
            line, self.buf = self.buf.split(b"\n", 1)
            text = line.decode("utf-8", "replace")
            # "DDDD-text" continues, "DDDD text" ends, " text" continues.
            if len(text) >= 5 and text[:4].isdigit():
                lines.append(text[5:])
                if text[4] == " ":
                    return lines
            else:
                lines.append(text[1:])

    def cmd(self, text):
        self.sock.sendall(text.encode() + b"\n")
        return self.reply()


def sock_proto(arg):
    sock, _, proto = arg.rpartition(":")
    if not sock or not proto:
        raise argparse.ArgumentTypeError("want SOCK:PROTO, got %r" % arg)
    return sock, proto


def imported(bird, proto):
    for line in bird.cmd("show protocols all " + proto):
        m = ROUTES_RE.search(line)
        if m:
            return int(m.group(1))
    return 0


def established(bird, proto):
    lines = bird.cmd("show protocols " + proto)
    return any(line.split()[:1] == [proto] and "Established" in line
               for line in lines)


def since(bird, proto):
    """When proto last changed state, as a Unix time."""
    for line in bird.cmd("show protocols " + proto):
        if line.split()[:1] == [proto]:
            m = SINCE_RE.search(line)
            if m:
                fmt = "%Y-%m-%d %H:%M:%S" + (".%f" if "." in m.group(1)
                                             else "")
                t = datetime.datetime.strptime(m.group(1), fmt)
                return time.mktime(t.timetuple()) + t.microsecond / 1e6
    return None


def vmhwm_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def cpu_secs(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # utime and stime are fields 14 and 15 of stat(5).
        return (int(fields[11]) + int(fields[12])) / os.sysconf(
            "SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return -1.0


def poll_count(count, n, timeout, pokes, trace=None, pids=()):
    """Poll until count's protocol imported n; the last count seen.
    trace: a file to log "seconds count cpu_s..." to at every poll, with
    the CPU seconds of each of pids."""
    bird, proto = count
    t0 = time.monotonic()
    deadline = t0 + timeout
    got = imported(bird, proto)
    while got < n and time.monotonic() < deadline:
        for p in pokes:
            p.cmd("show status")
        time.sleep(POLL_SECS)
        got = imported(bird, proto)
        if trace is not None:
            trace.write("%.3f\t%d\t%s\n" % (
                time.monotonic() - t0, got,
                "\t".join("%.2f" % cpu_secs(p) for p in pids)))
    return got


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("measure", "wait", "established"))
    ap.add_argument("target", nargs="?", type=sock_proto)
    ap.add_argument("--enable", default="-")
    ap.add_argument("--up", type=sock_proto)
    ap.add_argument("--count", type=sock_proto)
    ap.add_argument("--n", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--poke", action="append", default=[])
    ap.add_argument("--pid", type=int, default=0)
    ap.add_argument("--trace", default="")
    ap.add_argument("--trace-pid", type=int, action="append", default=[])
    a = ap.parse_args()

    conns = {}

    def conn(path):
        if path not in conns:
            conns[path] = Bird(path)
        return conns[path]

    if a.what == "established":
        sock, proto = a.target
        sys.exit(0 if established(conn(sock), proto) else 1)
    if a.count is None:
        ap.error("--count is required")
    count = (conn(a.count[0]), a.count[1])
    pokes = [conn(p) for p in a.poke]
    if a.what == "wait":
        sys.exit(0 if poll_count(count, a.n, a.timeout, pokes) >= a.n
                 else 3)

    if a.up is None:
        ap.error("--up is required")
    cpu0 = cpu_secs(a.pid) if a.pid else -1.0
    t_enable = time.time()
    if a.enable != "-":
        sock, proto = sock_proto(a.enable)
        out = conn(sock).cmd("enable " + proto)
        if not any("enabled" in line for line in out):
            sys.exit("birdwatch: enable %s: %s" % (proto, " ".join(out)))
    trace = open(a.trace, "a") if a.trace else None
    got = poll_count(count, a.n, a.timeout, pokes, trace,
                     ([a.pid] if a.pid else []) + a.trace_pid)
    t_done = time.time()
    if trace is not None:
        trace.close()
    hwm = vmhwm_kb(a.pid) if a.pid else -1
    cpu = cpu_secs(a.pid) - cpu0 if a.pid else -1.0
    t_up = since(conn(a.up[0]), a.up[1])
    if t_up is None or not established(conn(a.up[0]), a.up[1]):
        t_up = float("nan")
    print("%d\t%.3f\t%.3f\t%d\t%.2f" % (got, t_done - t_up,
                                        t_done - t_enable, hwm, cpu))
    sys.exit(0 if got >= a.n else 3)


if __name__ == "__main__":
    main()
