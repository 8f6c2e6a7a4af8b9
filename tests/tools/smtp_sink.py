#!/usr/bin/env python3
"""smtp_sink.py — a loopback SMTP server that keeps every mail it is given, for local runs
(./dev up) and tests. It speaks real SMTP (RFC 5321: 220 greeting, EHLO/HELO, MAIL FROM,
RCPT TO, DATA with dot-unstuffing, RSET, NOOP, QUIT), so the core's libcurl sender is tested
against the wire format it meets in production. Standard library only.

  python3 tests/tools/smtp_sink.py --port P --dir DIR      serve; prints "listening" when ready,
                                                           exits on SIGTERM / SIGINT
  python3 tests/tools/smtp_sink.py --dir DIR --show [N]    print the last N mails (default 5)

Each message is written as DIR/NNNNNN.eml (the bytes after dot-unstuffing), and one JSON line is
appended to DIR/mail.jsonl: {"file", "mail_from", "to", "subject", "body", "links", "codes",
"received_at"}, with the subject and body decoded (RFC 2047 words, base64 / quoted-printable,
charsets), the http(s) links in the body and the 6-digit codes outside them.

Loopback only: it binds 127.0.0.1 and never relays anything anywhere.
"""
import argparse
import email
import email.policy
import json
import os
import re
import signal
import socketserver
import sys
import threading
import time

MAX_LINE = 4096            # RFC 5321 allows 1000; be lenient, but bounded
MAX_MESSAGE = 10 * 1024 * 1024
LINK_RE = re.compile(r"https?://[^\s<>\"']+")
CODE_RE = re.compile(r"(?<![0-9A-Za-z_\-])[0-9]{6}(?![0-9A-Za-z_\-])")
PATH_RE = re.compile(r"^\s*<([^<>]*)>")


def decode_message(raw):
    """(subject, body text) of an RFC 5322 message, decoded."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    subject = str(msg.get("Subject", "") or "")
    part = msg.get_body(preferencelist=("plain", "html")) if msg.is_multipart() else msg
    body = ""
    if part is not None:
        try:
            body = part.get_content()
        except (LookupError, ValueError):
            body = part.get_payload(decode=True).decode("utf-8", "replace")
    return subject, body.replace("\r\n", "\n")


def links_and_codes(body):
    """Distinct links and 6-digit codes (outside links), in order of appearance: a mail that
    repeats its code in a second language still has one code."""
    links = list(dict.fromkeys(LINK_RE.findall(body)))
    rest = LINK_RE.sub(" ", body)
    return links, list(dict.fromkeys(CODE_RE.findall(rest)))


class Store:
    def __init__(self, d):
        self.dir = d
        os.makedirs(d, exist_ok=True)
        self.lock = threading.Lock()
        nums = [int(f[:-4]) for f in os.listdir(d) if re.fullmatch(r"\d{6}\.eml", f)]
        self.next = max(nums, default=0) + 1

    def save(self, mail_from, rcpts, raw):
        subject, body = decode_message(raw)
        links, codes = links_and_codes(body)
        with self.lock:
            name = f"{self.next:06d}.eml"
            self.next += 1
            with open(os.path.join(self.dir, name), "wb") as f:
                f.write(raw)
            rec = {"file": name, "mail_from": mail_from, "to": rcpts, "subject": subject,
                   "body": body, "links": links, "codes": codes,
                   "received_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            with open(os.path.join(self.dir, "mail.jsonl"), "a", encoding="utf-8") as f:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
                f.flush()
        return name


class Session(socketserver.StreamRequestHandler):
    timeout = 300

    def reply(self, line):
        self.wfile.write(line.encode("ascii") + b"\r\n")
        self.wfile.flush()

    def readline(self):
        line = self.rfile.readline(MAX_LINE + 1)
        if not line:
            return None
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            # Swallow the rest of the overlong line.
            while line and not line.endswith(b"\n"):
                line = self.rfile.readline(MAX_LINE + 1)
            return b"\x00too-long"
        return line

    def handle(self):
        store = self.server.store
        helo = False
        mail_from = None
        rcpts = []
        self.reply("220 ehall-smtp-sink ESMTP ready")
        while True:
            line = self.readline()
            if line is None:
                return
            if line == b"\x00too-long":
                self.reply("500 5.5.2 line too long")
                continue
            text = line.rstrip(b"\r\n").decode("utf-8", "replace")
            verb, _, arg = text.partition(" ")
            verb = verb.upper()
            if verb == "EHLO" and arg.strip():
                helo = True
                mail_from, rcpts = None, []
                self.wfile.write(b"250-ehall-smtp-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
                                 b"250 SIZE %d\r\n" % MAX_MESSAGE)
                self.wfile.flush()
            elif verb == "HELO" and arg.strip():
                helo = True
                mail_from, rcpts = None, []
                self.reply("250 ehall-smtp-sink")
            elif verb in ("EHLO", "HELO"):
                self.reply("501 5.5.4 domain required")
            elif verb == "MAIL":
                m = re.match(r"(?i)FROM:(.*)$", arg)
                p = PATH_RE.match(m.group(1)) if m else None
                if not helo:
                    self.reply("503 5.5.1 EHLO first")
                elif mail_from is not None:
                    self.reply("503 5.5.1 nested MAIL command")
                elif p is None:
                    self.reply("501 5.5.4 syntax: MAIL FROM:<address>")
                else:
                    mail_from, rcpts = p.group(1), []
                    self.reply("250 2.1.0 OK")
            elif verb == "RCPT":
                m = re.match(r"(?i)TO:(.*)$", arg)
                p = PATH_RE.match(m.group(1)) if m else None
                if mail_from is None:
                    self.reply("503 5.5.1 MAIL first")
                elif p is None or "@" not in p.group(1):
                    self.reply("501 5.5.4 syntax: RCPT TO:<address>")
                elif len(rcpts) >= 100:
                    self.reply("452 4.5.3 too many recipients")
                else:
                    rcpts.append(p.group(1))
                    self.reply("250 2.1.5 OK")
            elif verb == "DATA":
                if mail_from is None or not rcpts:
                    self.reply("503 5.5.1 need MAIL and RCPT first")
                    continue
                self.reply("354 end data with <CR><LF>.<CR><LF>")
                chunks, size, too_big = [], 0, False
                while True:
                    d = self.rfile.readline(MAX_MESSAGE)
                    if not d:
                        return
                    if d in (b".\r\n", b".\n"):
                        break
                    if d.startswith(b"."):
                        d = d[1:]  # dot-unstuffing (RFC 5321 4.5.2)
                    size += len(d)
                    if size > MAX_MESSAGE:
                        too_big = True
                    else:
                        chunks.append(d)
                if too_big:
                    self.reply("552 5.3.4 message too big")
                else:
                    name = store.save(mail_from, rcpts, b"".join(chunks))
                    self.reply(f"250 2.0.0 OK queued as {name}")
                mail_from, rcpts = None, []
            elif verb == "RSET":
                mail_from, rcpts = None, []
                self.reply("250 2.0.0 OK")
            elif verb == "NOOP":
                self.reply("250 2.0.0 OK")
            elif verb == "VRFY":
                self.reply("252 2.1.5 cannot verify, will accept")
            elif verb == "QUIT":
                self.reply("221 2.0.0 bye")
                return
            else:
                self.reply("502 5.5.2 command not implemented")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def serve(port, d):
    srv = Server(("127.0.0.1", port), Session)
    srv.store = Store(d)

    def stop(signum, frame):
        threading.Thread(target=srv.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("listening", flush=True)
    srv.serve_forever(poll_interval=0.2)
    srv.server_close()
    return 0


def show(d, n):
    path = os.path.join(d, "mail.jsonl")
    if not os.path.exists(path):
        print(f"no mail yet ({path} does not exist)")
        return 0
    with open(path, encoding="utf-8") as f:
        recs = [json.loads(line) for line in f if line.strip()]
    if not recs:
        print("no mail yet")
    for r in recs[-n:] if n > 0 else recs:
        print("=" * 72)
        print(f"{r['file']}  {r['received_at']}")
        print(f"To:      {', '.join(r['to'])}")
        print(f"Subject: {r['subject']}")
        if r.get("codes"):
            print(f"Codes:   {' '.join(r['codes'])}")
        for link in r.get("links", []):
            print(f"Link:    {link}")
        print("-" * 72)
        print(r["body"].rstrip("\n"))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description="loopback SMTP sink")
    ap.add_argument("--port", type=int, help="port on 127.0.0.1 to listen on")
    ap.add_argument("--dir", required=True, help="where mails are kept")
    ap.add_argument("--show", nargs="?", type=int, const=5, metavar="N",
                    help="print the last N mails (default 5; 0: all) and exit")
    a = ap.parse_args(argv)
    if a.show is not None:
        return show(a.dir, a.show)
    if a.port is None:
        ap.error("--port is required to serve")
    return serve(a.port, a.dir)


if __name__ == "__main__":
    sys.exit(main())
