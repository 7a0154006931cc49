#!/usr/bin/env python3
"""dns_proxy.py LISTEN_PORT UPSTREAM_PORT [--drop FILE] [--delay MS] [--log FILE]

A loopback DNS proxy in front of knotd, for tests/dns and bench/dns.
Every query (UDP and TCP) is forwarded to the server on UPSTREAM_PORT,
each in its own thread, so queries that arrive together are answered
together.

--drop FILE   queries whose name is listed in FILE are read and never
              answered: one name times out while every other name
              answers, which knot cannot do by itself.  A line is "NAME"
              (every type is dropped) or "NAME TYPE,TYPE" (the types that
              are answered; the others are dropped, as the OpenSPF
              suite's TIMEOUT next to data means); names are
              case-insensitive, no final dot.  FILE is read again for
              every query, so a harness can change it between runs.
--delay MS    every query is forwarded MS milliseconds after it arrived
              (a server with a fixed latency).
--log FILE    each query's arrival time (monotonic seconds) is appended.
"""
import argparse
import socket
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument("listen", type=int)
ap.add_argument("upstream", type=int)
ap.add_argument("--drop")
ap.add_argument("--delay", type=int, default=0)
ap.add_argument("--log")
args = ap.parse_args()
delay = args.delay / 1000.0
log = open(args.log, "a", buffering=1) if args.log else None
lock = threading.Lock()

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15,
         "TXT": 16, "AAAA": 28, "SPF": 99}


def note():
    if log is not None:
        with lock:
            log.write("%.6f\n" % time.monotonic())


def question(msg):
    """(name lower case, qtype) of a DNS message, or (None, None)."""
    labels, o = [], 12
    try:
        while True:
            n = msg[o]
            if n == 0:
                break
            if n & 0xC0:
                return None, None
            labels.append(msg[o + 1:o + 1 + n])
            o += 1 + n
        qtype = int.from_bytes(msg[o + 1:o + 3], "big")
    except IndexError:
        return None, None
    return b".".join(labels).decode("utf-8", "replace").lower(), qtype


def dropped(msg):
    if args.drop is None:
        return False
    name, qtype = question(msg)
    try:
        with open(args.drop, encoding="utf-8") as f:
            lines = [l.split() for l in f if l.strip()]
    except OSError:
        return False
    for parts in lines:
        if parts[0].lower().rstrip(".") != name:
            continue
        if len(parts) == 1:
            return True
        answered = {TYPES.get(t.upper(), -1) for t in parts[1].split(",")}
        return qtype not in answered
    return False


def udp_one(sock, data, addr):
    time.sleep(delay)
    up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    up.settimeout(5)
    try:
        up.sendto(data, ("127.0.0.1", args.upstream))
        reply, _ = up.recvfrom(65535)
        sock.sendto(reply, addr)
    except OSError:
        pass
    finally:
        up.close()


def udp_loop():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", args.listen))
    while True:
        data, addr = sock.recvfrom(65535)
        note()
        if dropped(data):
            continue
        threading.Thread(target=udp_one, args=(sock, data, addr),
                         daemon=True).start()


def recv_msg(s):
    hdr = b""
    while len(hdr) < 2:
        b = s.recv(2 - len(hdr))
        if not b:
            return None
        hdr += b
    n = int.from_bytes(hdr, "big")
    body = b""
    while len(body) < n:
        b = s.recv(n - len(body))
        if not b:
            return None
        body += b
    return hdr + body


def tcp_one(conn):
    with conn:
        while True:
            msg = recv_msg(conn)
            if msg is None:
                return
            note()
            if dropped(msg[2:]):
                continue
            time.sleep(delay)
            with socket.create_connection(("127.0.0.1", args.upstream),
                                          timeout=5) as up:
                up.sendall(msg)
                reply = recv_msg(up)
            if reply is None:
                return
            conn.sendall(reply)


def tcp_loop():
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("127.0.0.1", args.listen))
    t.listen(64)
    while True:
        conn, _ = t.accept()
        threading.Thread(target=tcp_one, args=(conn,), daemon=True).start()


threading.Thread(target=tcp_loop, daemon=True).start()
udp_loop()
