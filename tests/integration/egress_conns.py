#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Long-lived TCP connections through the egress gateways, watched.

usage: egress_conns.py server ADDR PORT SECONDS
       egress_conns.py client SRC_IP NET FIRST COUNT PORT SECONDS
       egress_conns.py sink ADDR PORT SECONDS
       egress_conns.py bulk SRC_IP NET FIRST COUNT PORT SECONDS

Run inside a namespace (ip netns exec).  server: accepts on ADDR:PORT
and answers every line received with the address it sees the connection
come from (the egress IP, so the gateway that carries it), for SECONDS.
client: opens COUNT connections from SRC_IP to NET.FIRST, NET.FIRST+1,
... (one per remote address, since the gateways spread (pod, remote)
pairs), then every 0.1 s sends a line on each and reads the answer,
for SECONDS.  It prints, with times in ms since the epoch:

  connect I MS          connection I took MS ms to connect
  conn I REMOTE PEER    connection I is up, carried as PEER
  ready T               all connections answered once
  reset I T             connection I was reset (RST)
  closed I T            connection I was closed by the other end
  stall I T             connection I has had no answer for 1 s (once)
  moved I T PEER        connection I is now carried as PEER
  gap I MS              at the end: the longest wait for an answer on I
  end I STATE PEER      at the end: ok, reset, closed or stalled

A SIGTERM ends the client early, as if SECONDS had run out.

sink and bulk measure throughput: bulk sends as fast as it can on COUNT
connections (to NET.FIRST and up) for SECONDS and prints "bytes N SECS";
sink discards what it receives, for SECONDS.

Every wait is bounded; the client exits 0 unless it could not connect.
"""
import select
import signal
import socket
import sys
import time


def now_ms():
    return int(time.time() * 1000)


def listener(addr, port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, port))
    ls.listen(256)
    print("ready", flush=True)
    return ls


def server(addr, port, seconds):
    ls = listener(addr, port)
    peers = {}
    end = time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([ls] + list(peers), [], [], 0.2)
        for s in r:
            if s is ls:
                c, a = ls.accept()
                peers[c] = a[0].encode()
                continue
            try:
                b = s.recv(4096)
            except OSError:
                b = b""
            if not b:
                del peers[s]
                s.close()
                continue
            try:
                s.sendall(peers[s] + b"\n" * b.count(b"\n"))
            except OSError:
                del peers[s]
                s.close()


class Conn:
    def __init__(self, i, remote, sock):
        self.i, self.remote, self.s = i, remote, sock
        self.state, self.peer, self.buf = "ok", None, b""
        self.last = time.time()
        self.stalled = False
        self.gap = 0.0


def client(src, net, first, count, port, seconds):
    conns = []
    for i in range(count):
        remote = "%s.%d" % (net, first + i)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(5)
        s.bind((src, 0))
        t = time.time()
        try:
            s.connect((remote, port))
        except OSError as e:
            print("cannot connect to %s: %s" % (remote, e), flush=True)
            return 1
        print("connect %d %.3f" % (i, (time.time() - t) * 1000), flush=True)
        s.setblocking(False)
        conns.append(Conn(i, remote, s))
    end = [time.time() + seconds]
    # The wait for an answer starts with the first line, not with the
    # connect: the last connection may come up seconds after the first.
    for c in conns:
        c.last = time.time()

    def stop(signum, frame):
        end[0] = 0

    signal.signal(signal.SIGTERM, stop)
    nxt = 0.0
    ready = False
    while time.time() < end[0]:
        t = time.time()
        if t >= nxt:
            nxt = t + 0.1
            for c in conns:
                if c.state != "ok":
                    continue
                try:
                    c.s.send(b"p\n")
                except ConnectionResetError:
                    # The RST's error went to the send, not the recv.
                    c.state = "reset"
                    print("reset %d %d" % (c.i, now_ms()), flush=True)
                except OSError:
                    pass  # the receive side reports it
        live = [c.s for c in conns if c.state == "ok"]
        r, _, _ = select.select(live, [], [], 0.05)
        for c in conns:
            if c.state != "ok":
                continue
            if c.s in r:
                try:
                    b = c.s.recv(4096)
                except ConnectionResetError:
                    c.state = "reset"
                    print("reset %d %d" % (c.i, now_ms()), flush=True)
                    continue
                except BlockingIOError:
                    continue
                if not b:
                    c.state = "closed"
                    print("closed %d %d" % (c.i, now_ms()), flush=True)
                    continue
                c.buf += b
                while b"\n" in c.buf:
                    line, c.buf = c.buf.split(b"\n", 1)
                    if not line:
                        continue
                    peer = line.decode()
                    if c.peer is None:
                        print("conn %d %s %s" % (c.i, c.remote, peer),
                              flush=True)
                    elif peer != c.peer:
                        print("moved %d %d %s" % (c.i, now_ms(), peer),
                              flush=True)
                    c.peer = peer
                    c.gap = max(c.gap, time.time() - c.last)
                    c.last = time.time()
                    c.stalled = False
            elif time.time() - c.last > 1 and not c.stalled:
                c.stalled = True
                print("stall %d %d" % (c.i, now_ms()), flush=True)
        if not ready and all(c.peer is not None for c in conns):
            ready = True
            print("ready %d" % now_ms(), flush=True)
    for c in conns:
        state = c.state
        if state == "ok" and c.stalled:
            state = "stalled"
        if state == "ok":
            c.gap = max(c.gap, time.time() - c.last)
        print("gap %d %d" % (c.i, c.gap * 1000), flush=True)
        print("end %d %s %s" % (c.i, state, c.peer), flush=True)
        c.s.close()
    return 0


def sink(addr, port, seconds):
    ls = listener(addr, port)
    socks = []
    end = time.time() + seconds
    while time.time() < end:
        r, _, _ = select.select([ls] + socks, [], [], 0.2)
        for s in r:
            if s is ls:
                socks.append(ls.accept()[0])
                continue
            try:
                b = s.recv(1 << 18)
            except OSError:
                b = b""
            if not b:
                socks.remove(s)
                s.close()


def bulk(src, net, first, count, port, seconds):
    socks = []
    for i in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(5)
        s.bind((src, 0))
        try:
            s.connect(("%s.%d" % (net, first + i), port))
        except OSError as e:
            print("cannot connect: %s" % e, flush=True)
            return 1
        s.setblocking(False)
        socks.append(s)
    chunk = b"\x5a" * (1 << 16)
    sent = 0
    start = time.time()
    end = start + seconds
    while time.time() < end:
        _, w, _ = select.select([], socks, [], 0.1)
        for s in w:
            try:
                sent += s.send(chunk)
            except BlockingIOError:
                pass
            except OSError as e:
                print("send: %s" % e, flush=True)
                return 1
    took = time.time() - start
    for s in socks:
        s.close()
    print("bytes %d %.3f" % (sent, took), flush=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    elif sys.argv[1] == "sink":
        sink(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    elif sys.argv[1] == "bulk":
        sys.exit(bulk(sys.argv[2], sys.argv[3], int(sys.argv[4]),
                      int(sys.argv[5]), int(sys.argv[6]),
                      float(sys.argv[7])))
    else:
        sys.exit(client(sys.argv[2], sys.argv[3], int(sys.argv[4]),
                        int(sys.argv[5]), int(sys.argv[6]),
                        float(sys.argv[7])))
