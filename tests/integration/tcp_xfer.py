#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Send N bytes over TCP between two namespaces and check them.

usage: tcp_xfer.py FROM_NS TO_NS TO_IP NBYTES [SECONDS_PER_CHUNK]

Starts a receiver in TO_NS (ip netns exec), connects from FROM_NS, sends a
deterministic byte pattern and compares the receiver's SHA-256.  Bounded:
gives up after 60 s.  Exit 0 on a complete, intact transfer.
"""
import subprocess
import sys

src_ns, dst_ns, dst_ip, nbytes = sys.argv[1], sys.argv[2], sys.argv[3], \
    int(sys.argv[4])
pace = float(sys.argv[5]) if len(sys.argv) > 5 else 0.0
PORT = 5201

RECV = f"""
import hashlib, socket, sys
s = socket.socket(socket.AF_INET6 if ':' in {dst_ip!r} else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(({dst_ip!r}, {PORT}))
s.listen(1)
print('ready', flush=True)
s.settimeout(60)
c, _ = s.accept()
c.settimeout(60)
h = hashlib.sha256()
n = 0
while True:
    b = c.recv(1 << 16)
    if not b:
        break
    h.update(b)
    n += len(b)
print(n, h.hexdigest(), flush=True)
"""

SEND = f"""
import hashlib, socket, sys, time
s = socket.create_connection(({dst_ip!r}, {PORT}), timeout=60)
h = hashlib.sha256()
left = {nbytes}
i = 0
while left > 0:
    chunk = bytes(((i + k) * 7) & 0xff for k in range(256)) * 256
    chunk = chunk[:min(left, len(chunk))]
    s.sendall(chunk)
    h.update(chunk)
    left -= len(chunk)
    i += 1
    if {pace} > 0:
        time.sleep({pace})
s.shutdown(socket.SHUT_WR)
s.recv(1)
print({nbytes}, h.hexdigest(), flush=True)
"""

recv = subprocess.Popen(["ip", "netns", "exec", dst_ns, sys.executable,
                         "-c", RECV], stdout=subprocess.PIPE, text=True)
try:
    if recv.stdout.readline().strip() != "ready":
        sys.exit("receiver did not start")
    sent = subprocess.run(["ip", "netns", "exec", src_ns, sys.executable,
                           "-c", SEND], capture_output=True, text=True,
                          timeout=120)
    if sent.returncode != 0:
        sys.exit(f"sender failed: {sent.stderr.strip()}")
    got = recv.stdout.readline().strip()
    recv.wait(timeout=10)
finally:
    if recv.poll() is None:
        recv.kill()
want = sent.stdout.strip()
if got != want:
    sys.exit(f"transfer mismatch: sent {want}, received {got}")
print(f"transferred {nbytes} bytes intact")
