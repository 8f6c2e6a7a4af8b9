#!/usr/bin/env python3
"""wechat_standin.py — a loopback stand-in for WeChat's jscode2session, speaking its real format.

    GET /sns/jscode2session?appid=&secret=&js_code=&grant_type=authorization_code

Checks first, as WeChat does:
    wrong appid                  → {"errcode": 40013, "errmsg": "invalid appid"}
    wrong secret                 → {"errcode": 40125, "errmsg": "invalid appsecret"}
    grant_type not authorization_code → {"errcode": 40002, "errmsg": "invalid grant_type"}

Then the code (js_code) decides the answer:
    ok-<openid>  → {"openid": "<openid>", "session_key": "<random base64>"}   (any number of times)
    bad          → {"errcode": 40029, "errmsg": "invalid code"}
    rate         → {"errcode": 45011, "errmsg": "api minute-quota reach limit mustslower retry next minute"}
    risky        → {"errcode": 40226, "errmsg": "high risk user"}
    busy         → {"errcode": -1, "errmsg": "system error"}
    slow         → waits 10 s, then answers like "busy" (for client timeouts)
    down         → HTTP 502 with an HTML body (a broken proxy)
    anything else → 40029, like an expired or made-up code

An admin endpoint helps tests check what the client sent:
    GET /_standin/log    → {"calls": [{"appid":…, "js_code":…, "grant_type":…, "secret_ok": bool}, …]}
    GET /_standin/keys   → {"session_keys": [every session_key handed out]}   (to prove none leaks)

Run:  python3 wechat_standin.py --port 57250 --appid wx123 --secret s3cret
or, in a test:  srv = wechat_standin.start(appid, secret) ; srv.url ; srv.stop()
"""
import argparse
import base64
import http.server
import json
import os
import threading
import time
import urllib.parse


class _State:
    def __init__(self, appid, secret):
        self.appid = appid
        self.secret = secret
        self.lock = threading.Lock()
        self.calls = []
        self.session_keys = []


def _handler(state):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):  # quiet: tests read /_standin/log instead
            pass

        def _json(self, obj, status=200):
            body = json.dumps(obj).encode()
            self.send_response(status)
            # WeChat answers JSON with text/plain; the client must not care.
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            u = urllib.parse.urlsplit(self.path)
            if u.path == "/_standin/log":
                with state.lock:
                    return self._json({"calls": list(state.calls)})
            if u.path == "/_standin/keys":
                with state.lock:
                    return self._json({"session_keys": list(state.session_keys)})
            if u.path != "/sns/jscode2session":
                return self._json({"errcode": 40066, "errmsg": "invalid url"}, 404)
            q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
            one = lambda k: (q.get(k) or [""])[0]
            code = one("js_code")
            with state.lock:
                state.calls.append({"appid": one("appid"), "js_code": code,
                                    "grant_type": one("grant_type"),
                                    "secret_ok": one("secret") == state.secret})
            if one("appid") != state.appid:
                return self._json({"errcode": 40013, "errmsg": "invalid appid"})
            if one("secret") != state.secret:
                return self._json({"errcode": 40125, "errmsg": "invalid appsecret"})
            if one("grant_type") != "authorization_code":
                return self._json({"errcode": 40002, "errmsg": "invalid grant_type"})
            if code.startswith("ok-") and len(code) > 3:
                key = base64.b64encode(os.urandom(16)).decode()
                with state.lock:
                    state.session_keys.append(key)
                return self._json({"openid": code[3:], "session_key": key})
            if code == "rate":
                return self._json({"errcode": 45011,
                                   "errmsg": "api minute-quota reach limit mustslower retry next minute"})
            if code == "risky":
                return self._json({"errcode": 40226, "errmsg": "high risk user"})
            if code == "busy":
                return self._json({"errcode": -1, "errmsg": "system error"})
            if code == "slow":
                time.sleep(10)
                return self._json({"errcode": -1, "errmsg": "system error"})
            if code == "down":
                body = b"<html><body>502 Bad Gateway</body></html>"
                self.send_response(502)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            return self._json({"errcode": 40029, "errmsg": "invalid code"})

    return H


class StandIn:
    def __init__(self, appid, secret, port=0):
        self.state = _State(appid, secret)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _handler(self.state))
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def calls(self):
        with self.state.lock:
            return list(self.state.calls)

    def session_keys(self):
        with self.state.lock:
            return list(self.state.session_keys)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def start(appid, secret, port=0):
    return StandIn(appid, secret, port)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--appid", required=True)
    ap.add_argument("--secret", required=True)
    a = ap.parse_args()
    s = start(a.appid, a.secret, a.port)
    print(f"wechat stand-in listening on {s.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        s.stop()
