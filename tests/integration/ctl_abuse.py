#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Hostile clients for ferryd's control socket (see test_control_abuse.sh).

usage: ctl_abuse.py SOCKET FERRYCTL
Every step checks that `ferryctl status` still answers while the abuse
goes on.  Exits non-zero with a message on the first failed check.
"""
import json
import socket
import subprocess
import sys
import time

SOCK, FERRYCTL = sys.argv[1], sys.argv[2]


def status_ok(what):
    t0 = time.monotonic()
    r = subprocess.run([FERRYCTL, "-s", SOCK, "--json", "status"],
                       capture_output=True, text=True, timeout=10)
    ms = (time.monotonic() - t0) * 1000
    if r.returncode != 0 or not json.loads(r.stdout)["ok"]:
        sys.exit(f"status failed during {what}: {r.stderr.strip()}")
    print(f"status ok during {what} ({ms:.0f} ms)")


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(SOCK)
    return s


def request(s, line):
    s.sendall(line)
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf


# 1. A hundred clients at once, all holding their connection open.  Past
# max-clients (64), the quietest are evicted to make room for new ones.
idle = [connect() for _ in range(100)]
status_ok("100 idle clients")
# The newest (not evicted) half-way through a request.
for s in idle[-20:]:
    s.sendall(b'{"command": "sta')
status_ok("100 clients, 20 with partial requests")
r = subprocess.run([FERRYCTL, "-s", SOCK, "--json", "status"],
                   capture_output=True, text=True, timeout=10)
live = json.loads(r.stdout)["result"]["objects"]["ctl_client"]
if live > 64:
    sys.exit(f"{live} clients connected, above max-clients 64")

# 2. Ten megabytes without a newline: an error reply, then closed.
big = connect()
big.settimeout(20)
sent = 0
chunk = b"x" * 65536
reply = b""
try:
    while sent < 10 * 1024 * 1024:
        big.sendall(chunk)
        sent += len(chunk)
except (BrokenPipeError, ConnectionResetError):
    pass
try:
    while True:
        data = big.recv(65536)
        if not data:
            break
        reply += data
except ConnectionResetError:
    pass
print(f"flooder sent {sent} bytes before being cut off")
if b"request too long" not in reply:
    sys.exit(f"no 'request too long' reply: {reply[:200]!r}")
if sent >= 10 * 1024 * 1024 and reply == b"":
    sys.exit("10 MB accepted without complaint")
big.close()
status_ok("after the 10 MB flood")

# 3. Malformed and unknown requests get an error reply on a live socket.
s = connect()
for line, want in [(b"not json\n", "malformed JSON"),
                   (b'{"command": "frobnicate"}\n', "unknown command"),
                   (b'{"command": "status", "x": 1}\n', "unknown key"),
                   (b"[]\n", "must be a JSON object")]:
    r = json.loads(request(s, line))
    if r["ok"] or want not in r["error"]:
        sys.exit(f"{line!r}: got {r}")
# The same connection still serves a good request afterwards.
r = json.loads(request(s, b'{"command": "status"}\n'))
if not r["ok"]:
    sys.exit(f"status after errors: {r}")
# Pipelined requests in one write: one reply each, in order.
s.sendall(b'{"command":"status"}\n{"command":"config"}\n')
buf = b""
while buf.count(b"\n") < 2:
    buf += s.recv(65536)
a, b = [json.loads(x) for x in buf.splitlines()]
if "pid" not in a["result"] or "control" not in b["result"]:
    sys.exit("pipelined replies out of order")
s.close()
status_ok("after malformed requests")

# 4. A client that never reads its replies must not wedge the loop.
deaf = connect()
deaf.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
deaf.settimeout(0.5)
for _ in range(200):
    try:
        deaf.sendall(b'{"command": "config"}\n')
    except (BlockingIOError, socket.timeout, BrokenPipeError,
            ConnectionResetError):
        break
status_ok("a client that does not read")

for c in idle:
    c.close()
deaf.close()
print("all abuse survived")
