#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""A BGP speaker that misbehaves on purpose, for ferryd's bad-input tests.

usage: bgp_craft.py [--source ADDR] HOST PORT MY_AS PEER_AS CASE

Connects to ferryd, runs CASE (one kind of broken OPEN, UPDATE, attribute
or message), and prints one line:
    notification CODE/SUBCODE      ferryd sent this NOTIFICATION and closed
    alive                          no NOTIFICATION; the session still
                                   answers a KEEPALIVE afterwards
    closed                         closed without a NOTIFICATION
Bounded: every wait times out after a few seconds.
"""
import argparse
import socket
import struct
import sys
import time

MARKER = b"\xff" * 16
OPEN, UPDATE, NOTIFICATION, KEEPALIVE, REFRESH = 1, 2, 3, 4, 5


def msg(mtype, body, marker=MARKER, length=None):
    n = 19 + len(body) if length is None else length
    return marker + struct.pack("!HB", n, mtype) + body


def caps(my_as):
    c = b""
    c += bytes([1, 4]) + struct.pack("!HBB", 1, 0, 1)      # MP IPv4 unicast
    c += bytes([65, 4]) + struct.pack("!I", my_as)         # 4-octet AS
    c += bytes([2, 0])                                     # route refresh
    return bytes([2, len(c)]) + c


def open_msg(my_as, hold=90, bgp_id="10.255.0.1", version=4, opt=None):
    as2 = my_as if my_as < 65536 else 23456
    opt = caps(my_as) if opt is None else opt
    return msg(OPEN, struct.pack("!BHH4sB", version, as2, hold,
                                 socket.inet_aton(bgp_id), len(opt)) + opt)


def attr(flags, atype, value):
    if flags & 0x10:
        return struct.pack("!BBH", flags, atype, len(value)) + value
    return struct.pack("!BBB", flags, atype, len(value)) + value


def aspath(*ases):
    return bytes([2, len(ases)]) + b"".join(struct.pack("!I", a)
                                            for a in ases)


def update(attrs, nlri=b"", withdrawn=b""):
    return msg(UPDATE, struct.pack("!H", len(withdrawn)) + withdrawn +
               struct.pack("!H", len(attrs)) + attrs + nlri)


def good_attrs(my_as, nh):
    return (attr(0x40, 1, b"\x00") + attr(0x40, 2, aspath(my_as)) +
            attr(0x40, 3, socket.inet_aton(nh)))


NLRI = bytes([24, 198, 51, 100])   # 198.51.100.0/24


def recv_msg(s, timeout=5.0):
    s.settimeout(timeout)
    buf = b""
    try:
        while len(buf) < 19:
            chunk = s.recv(19 - len(buf))
            if not chunk:
                return None
            buf += chunk
        n = struct.unpack("!H", buf[16:18])[0]
        while len(buf) < n:
            chunk = s.recv(n - len(buf))
            if not chunk:
                return None
            buf += chunk
    except (socket.timeout, ConnectionResetError):
        return None
    return buf[18], buf[19:]


def establish(s, my_as, nh, open_bytes=None):
    """Exchange OPENs and KEEPALIVEs; returns once Established."""
    s.sendall(open_bytes or open_msg(my_as))
    m = recv_msg(s)
    if m is None or m[0] != OPEN:
        raise SystemExit(f"no OPEN from ferryd: {m}")
    s.sendall(msg(KEEPALIVE, b""))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        m = recv_msg(s)
        if m is None:
            raise SystemExit("closed before Established")
        if m[0] == KEEPALIVE:
            return
        if m[0] == NOTIFICATION:
            raise SystemExit(f"notification {m[1][0]}/{m[1][1]} "
                             "while establishing")
    raise SystemExit("no KEEPALIVE from ferryd")


def outcome(s):
    """What ferryd did after the bad message."""
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        m = recv_msg(s, timeout=max(0.1, deadline - time.monotonic()))
        if m is None:
            break
        if m[0] == NOTIFICATION:
            return f"notification {m[1][0]}/{m[1][1]}"
        # UPDATEs (our table) and KEEPALIVEs may arrive: keep reading.
    # No NOTIFICATION: is the session alive? Send a KEEPALIVE, expect none
    # back (ferryd answers on its own timer) but no close either.
    try:
        s.sendall(msg(KEEPALIVE, b""))
        s.settimeout(1.0)
        data = s.recv(19 + 4096)
        if data == b"":
            return "closed"
        if len(data) >= 19 and data[18] == NOTIFICATION:
            return f"notification {data[19]}/{data[20]}"
    except socket.timeout:
        pass
    except (ConnectionResetError, BrokenPipeError):
        return "closed"
    return "alive"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source")
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("my_as", type=int)
    ap.add_argument("peer_as", type=int)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("case")
    a = ap.parse_args()
    results = {}
    for _ in range(min(a.repeat, 10000)):
        r = run_case(a)
        results[r] = results.get(r, 0) + 1
    if len(results) == 1:
        print(next(iter(results)))
    else:
        print("mixed: " + ", ".join(f"{n}x {r}" for r, n in
                                     results.items()))


def connect(a):
    return socket.create_connection((a.host, a.port), timeout=5,
                                    source_address=(a.source, 0)
                                    if a.source else None)


def flap(a, nh):
    """Up, then gone without a word: what a crashing peer looks like.
    Reconnecting at once can collide with the old session that ferryd has
    not yet seen go (RFC 4271 6.8: Cease 6/7); a real peer retries."""
    for attempt in range(50):
        s = connect(a)
        try:
            establish(s, a.my_as, nh)
        except SystemExit:
            s.close()
            time.sleep(0.01 * (attempt + 1))
            continue
        s.sendall(update(good_attrs(a.my_as, nh), NLRI))
        s.close()
        return "flapped"
    return "never established"


def run_case(a):
    nh = a.source or "192.0.2.2"
    if a.case == "flap":
        return flap(a, nh)
    s = connect(a)
    my, ga = a.my_as, good_attrs(a.my_as, nh)
    c = a.case
    pre_open = {
        "bad-marker": msg(KEEPALIVE, b"", marker=b"\x00" * 16),
        "bad-length": msg(KEEPALIVE, b"", length=18),
        "bad-type": msg(9, b""),
        "open-version": open_msg(my, version=3),
        "open-peer-as": open_msg(my + 1),
        "open-bgp-id": open_msg(my, bgp_id="0.0.0.0"),
        "open-hold-time": open_msg(my, hold=2),
        "open-short": msg(OPEN, b"\x04\x00"),
        "update-before-open": update(ga, NLRI),
    }
    established = {
        "keepalive-length": msg(KEEPALIVE, b"\x00"),
        "update-attr-overrun": update(ga + b"\x40\x01\x05\x00"),
        "update-withdrawn-overrun": msg(UPDATE, b"\x00\x50\x18\xc6"),
        "update-missing-origin": update(ga[4:], NLRI),
        "update-bad-origin": update(attr(0x40, 1, b"\x07") + ga[4:], NLRI),
        "update-bad-aspath": update(attr(0x40, 1, b"\x00") +
                                    attr(0x40, 2, b"\x02\x05\x00") +
                                    attr(0x40, 3, socket.inet_aton(nh)),
                                    NLRI),
        "update-med-length": update(ga + attr(0x80, 4, b"\x00\x01"), NLRI),
        "update-unknown-wellknown": update(ga + attr(0x40, 99, b"x"), NLRI),
        "update-bad-nlri-length": update(ga, bytes([33, 10, 0, 0, 0, 0])),
        "update-good": update(ga, NLRI),
    }
    if c in pre_open:
        s.sendall(pre_open[c])
    elif c in established:
        establish(s, my, nh)
        s.sendall(established[c])
    else:
        sys.exit(f"unknown case {c}; cases: "
                 f"{' '.join(list(pre_open) + list(established))}")
    r = outcome(s)
    s.close()
    return r


if __name__ == "__main__":
    main()
