#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Traffic from a pod to an outside server, reporting whom the server saw.

usage: egress_xfer.py tcp FROM_NS FROM_IP TO_NS TO_IP NBYTES
       egress_xfer.py udp FROM_NS FROM_IP TO_NS TO_IP SIZE [COUNT [FLOWS]]

tcp: the server in TO_NS accepts one connection and hashes what it
receives; the client in FROM_NS, bound to FROM_IP, sends NBYTES of a
deterministic pattern; the hashes must match.  udp: the server echoes
every datagram; the client sends COUNT datagrams of SIZE bytes from each
of FLOWS source ports (default 1 and 1) and needs every echo back, intact.
EGX_PACE=SECONDS in the environment slows the TCP sender down: that
long a pause after every 64 KiB.
Either way the last line printed is "peer ADDR ..." with every source
address the server saw.  Bounded: 60 s.  Exit 0 on success.
"""
import os
import subprocess
import sys

proto, src_ns, src_ip, dst_ns, dst_ip = sys.argv[1:6]
arg = int(sys.argv[6])
count = int(sys.argv[7]) if len(sys.argv) > 7 else 1
flows = int(sys.argv[8]) if len(sys.argv) > 8 else 1
PORT = 5301
PACE = float(os.environ.get("EGX_PACE", "0"))  # seconds per 64 KiB (tcp)
FAM = "socket.AF_INET6 if ':' in %r else socket.AF_INET" % dst_ip

TCP_SRV = f"""
import hashlib, socket
s = socket.socket({FAM})
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(({dst_ip!r}, {PORT}))
s.listen(1)
print('ready', flush=True)
s.settimeout(60)
c, peer = s.accept()
c.settimeout(60)
h = hashlib.sha256()
n = 0
while True:
    b = c.recv(1 << 16)
    if not b:
        break
    h.update(b)
    n += len(b)
c.close()
print(n, h.hexdigest(), flush=True)
print('peer', peer[0], flush=True)
"""

TCP_CLI = f"""
import hashlib, socket, time
s = socket.socket({FAM})
s.settimeout(60)
s.bind(({src_ip!r}, 0))
s.connect(({dst_ip!r}, {PORT}))
h = hashlib.sha256()
left = {arg}
i = 0
while left > 0:
    chunk = bytes(((i + k) * 7) & 0xff for k in range(256)) * 256
    chunk = chunk[:min(left, len(chunk))]
    s.sendall(chunk)
    h.update(chunk)
    left -= len(chunk)
    i += 1
    if {PACE} > 0:
        time.sleep({PACE})
s.shutdown(socket.SHUT_WR)
s.recv(1)
print({arg}, h.hexdigest(), flush=True)
"""

UDP_SRV = f"""
import socket, time
s = socket.socket({FAM}, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 24)
s.bind(({dst_ip!r}, {PORT}))
print('ready', flush=True)
s.settimeout(1)
peers = set()
end = time.time() + 60
# Until the client's "bye": silence may only be a route coming back.
while time.time() < end:
    try:
        b, peer = s.recvfrom(65535)
    except socket.timeout:
        continue
    if b == b'bye':
        break
    peers.add(peer[0])
    s.sendto(b, peer)
print('peer', *sorted(peers), flush=True)
"""

UDP_CLI = f"""
import resource, selectors, socket, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, {flows} + 64), max(hard, {flows} + 64)))
sel = selectors.DefaultSelector()
want = {{}}
for _ in range({flows}):
    s = socket.socket({FAM}, socket.SOCK_DGRAM)
    s.bind(({src_ip!r}, 0))
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
    want[s] = {count}
data = bytes((k * 13) & 0xff for k in range({arg}))
end = time.time() + 50
for tries in range(4):
    for s, n in list(want.items()):
        for _ in range(n):
            try:
                s.sendto(data, ({dst_ip!r}, {PORT}))
            except BlockingIOError:
                time.sleep(0.01)
        if len(want) > 1000:
            time.sleep(0.0002)
    left = time.time() + 5
    while want and time.time() < min(left, end):
        for key, _ in sel.select(0.5):
            s = key.fileobj
            while True:
                try:
                    b = s.recv(65535)
                except BlockingIOError:
                    break
                if b != data:
                    sys.exit('echo corrupted')
                if s in want:
                    want[s] -= 1
                    if want[s] == 0:
                        del want[s]
    if not want:
        break
missing = sum(want.values())
bye = socket.socket({FAM}, socket.SOCK_DGRAM)
bye.bind(({src_ip!r}, 0))
bye.sendto(b'bye', ({dst_ip!r}, {PORT}))
if missing:
    sys.exit(f'{{missing}} echoes missing')
print('ok', flush=True)
"""

srv, cli = (TCP_SRV, TCP_CLI) if proto == "tcp" else (UDP_SRV, UDP_CLI)
server = subprocess.Popen(["ip", "netns", "exec", dst_ns, sys.executable,
                           "-c", srv], stdout=subprocess.PIPE, text=True)
try:
    if server.stdout.readline().strip() != "ready":
        sys.exit("server did not start")
    sent = subprocess.run(["ip", "netns", "exec", src_ns, sys.executable,
                           "-c", cli], capture_output=True, text=True,
                          timeout=90)
    if sent.returncode != 0:
        server.kill()
        sys.exit(f"client failed: {sent.stderr.strip()}")
    out = server.communicate(timeout=70)[0].strip().splitlines()
finally:
    if server.poll() is None:
        server.kill()
if proto == "tcp" and (not out or out[0] != sent.stdout.strip()):
    sys.exit(f"transfer mismatch: sent {sent.stdout.strip()}, got {out}")
print(out[-1] if out else "peer")
