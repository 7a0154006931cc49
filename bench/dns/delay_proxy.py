#!/usr/bin/env python3
"""delay_proxy.py LISTEN_PORT UPSTREAM_PORT DELAY_MS LOG

A loopback DNS proxy for bench/dns: every UDP query is forwarded to the
server on UPSTREAM_PORT after DELAY_MS, in its own thread, so queries
that arrive together are answered together (a server with a fixed
latency).  TCP is forwarded after the same delay.  Each query's arrival
time (monotonic seconds) is appended to LOG.
"""
import socket
import sys
import threading
import time

listen, upstream, delay = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) / 1000.0
log = open(sys.argv[4], "a", buffering=1)
lock = threading.Lock()


def note():
    with lock:
        log.write("%.6f\n" % time.monotonic())


def udp_one(sock, data, addr):
    time.sleep(delay)
    up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    up.settimeout(5)
    try:
        up.sendto(data, ("127.0.0.1", upstream))
        reply, _ = up.recvfrom(65535)
        sock.sendto(reply, addr)
    except OSError:
        pass
    finally:
        up.close()


def udp_loop():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", listen))
    while True:
        data, addr = sock.recvfrom(65535)
        note()
        threading.Thread(target=udp_one, args=(sock, data, addr), daemon=True).start()


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
            time.sleep(delay)
            with socket.create_connection(("127.0.0.1", upstream), timeout=5) as up:
                up.sendall(msg)
                reply = recv_msg(up)
            if reply is None:
                return
            conn.sendall(reply)


def tcp_loop():
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("127.0.0.1", listen))
    t.listen(64)
    while True:
        conn, _ = t.accept()
        threading.Thread(target=tcp_one, args=(conn,), daemon=True).start()


threading.Thread(target=tcp_loop, daemon=True).start()
udp_loop()
