#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Send crafted BFD control packets, for tests that check what ferryd
drops.  Run inside the peer's namespace:

    bfd_craft.py DST KIND [--your-disc N] [--my-disc N] [--count N]
                 [--port 3784|4784] [--ttl N]

KIND is one of:
  ttl        a well-formed Up packet for the session, sent with TTL 254
             (--ttl)
  malformed  version 2, TTL 255
  short      20 octets, TTL 255
  disc       well formed, TTL 255, a Your Discriminator nobody has
  auth       well formed, TTL 255, the A bit and a Keyed SHA1 section
             with a zero digest
"""
import argparse
import socket
import struct


def packet(your, my, version=1, auth=False):
    flags = 0x04 if auth else 0
    length = 52 if auth else 24
    p = struct.pack("!BBBBIIIII", version << 5, (3 << 6) | flags, 3, length,
                    my, your, 100000, 100000, 0)
    if auth:
        p += struct.pack("!BBBBI", 4, 28, 1, 0, 1) + bytes(20)
    return p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dst")
    ap.add_argument("kind",
                    choices=["ttl", "malformed", "short", "disc", "auth"])
    ap.add_argument("--your-disc", type=int, default=1)
    ap.add_argument("--my-disc", type=int, default=0x12345678)
    ap.add_argument("--count", type=int, default=5)
    ap.add_argument("--port", type=int, default=3784)
    ap.add_argument("--ttl", type=int, default=254,
                    help="the TTL of KIND ttl (others: 255)")
    a = ap.parse_args()
    fam = socket.AF_INET6 if ":" in a.dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    ttl = a.ttl if a.kind == "ttl" else 255
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, ttl)
    else:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
    s.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", 50000))
    if a.kind == "malformed":
        p = packet(a.your_disc, a.my_disc, version=2)
    elif a.kind == "short":
        p = packet(a.your_disc, a.my_disc)[:20]
    elif a.kind == "disc":
        p = packet(0x0badd15c, a.my_disc)
    elif a.kind == "auth":
        p = packet(a.your_disc, a.my_disc, auth=True)
    else:
        p = packet(a.your_disc, a.my_disc)
    for _ in range(a.count):
        s.sendto(p, (a.dst, a.port))


if __name__ == "__main__":
    main()
