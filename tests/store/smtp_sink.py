#!/usr/bin/env python3
"""smtp_sink.py PORT PIDFILE [ADDR=REPLY ...] - a loopback SMTP sink.

Listens on 127.0.0.1:PORT and answers every RCPT TO for ADDR with REPLY
(a whole SMTP reply line, e.g. "550 5.1.1 <x@reject.example>: Recipient
address rejected: User unknown"); any other recipient gets 250 and a
message it accepts is thrown away.  An argument data:ADDR=REPLY answers
the end of the message data with REPLY when ADDR is among the accepted
recipients ("552 5.2.2 Mailbox full").  An argument keep:DIR writes
each message it accepts from the null sender (MAIL FROM:<>, a delivery
notice) to DIR, one file each, named by arrival, instead of throwing it
away.  No PIPELINING, no extensions:
the client then sends one command at a time.  Writes its PID to PIDFILE
once it listens; ends on SIGTERM.  For the tests that run a real MTA
(tests/store/postfix_e2e.sh, tests/mta/exim_e2e.sh): it binds loopback,
never port 25.
"""
import os
import re
import signal
import socketserver
import sys
import threading

REPLIES = {}
DATA_REPLIES = {}
KEEP = None
KEPT = [0]
KEPT_LOCK = threading.Lock()


class Session(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        self.reply("220 sink.invalid ESMTP test sink")
        in_data = False
        rcpts = []
        body = []
        null_sender = False
        while True:
            try:
                raw = self.rfile.readline(4096)
            except TimeoutError:
                # a client that keeps an idle connection open (Courier)
                try:
                    self.reply("421 4.4.2 sink.invalid idle too long")
                except OSError:
                    pass
                return
            if not raw:
                return
            line = raw.decode("latin-1").rstrip("\r\n")
            if in_data:
                if line == ".":
                    in_data = False
                    said = [DATA_REPLIES[a] for a in rcpts
                            if a in DATA_REPLIES]
                    if not said and KEEP is not None and null_sender:
                        self.keep(body)
                    self.reply(said[0] if said else
                               "250 2.0.0 Ok: discarded")
                else:
                    # dot-stuffing undone (RFC 5321 4.5.2)
                    body.append(line[1:] if line.startswith(".")
                                else line)
                continue
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink.invalid")
            elif verb == "MAIL":
                rcpts = []
                null_sender = re.search(r"<\s*>", line) is not None
                self.reply("250 2.1.0 Ok")
            elif verb == "RCPT":
                m = re.search(r"<([^>]*)>", line)
                addr = (m.group(1) if m else "").lower()
                reply = REPLIES.get(addr, "250 2.1.5 Ok")
                if reply.startswith("250"):
                    rcpts.append(addr)
                self.reply(reply)
            elif verb == "DATA":
                in_data = True
                body = []
                self.reply("354 End data with <CR><LF>.<CR><LF>")
            elif verb in ("RSET", "NOOP"):
                if verb == "RSET":
                    rcpts = []
                self.reply("250 2.0.0 Ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 Bye")
                return
            else:
                self.reply("502 5.5.2 Error: command not recognized")


    def keep(self, body):
        with KEPT_LOCK:
            KEPT[0] += 1
            name = os.path.join(KEEP, "msg-%04d.eml" % KEPT[0])
        with open(name + ".tmp", "w", encoding="latin-1") as f:
            f.write("\n".join(body) + "\n")
        os.rename(name + ".tmp", name)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    port, pidfile = int(sys.argv[1]), sys.argv[2]
    global KEEP
    for arg in sys.argv[3:]:
        if arg.startswith("keep:"):
            KEEP = arg[5:]
            continue
        addr, reply = arg.split("=", 1)
        if addr.startswith("data:"):
            DATA_REPLIES[addr[5:].lower()] = reply
        else:
            REPLIES[addr.lower()] = reply
    srv = Server(("127.0.0.1", port), Session)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    with open(pidfile + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(pidfile + ".tmp", pidfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
