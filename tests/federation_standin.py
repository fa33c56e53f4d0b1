"""A local stand-in for the console sign-in endpoint (signin.aws.amazon.com/federation) that
enforces AWS's rules, in front of moto for STS (moto cannot tell the kinds of session apart:
its GetSessionToken and GetFederationToken both hand out AKIAIOSFODNN7EXAMPLE, and
get-caller-identity answers user/moto for both).

Usage: python3 tests/federation_standin.py MOTO_URL STATE_DIR [--mode MODE] [--tls CERT KEY]
Prints its port, then serves until killed.

  POST /             STS, forwarded to moto. Each session handed out is recorded with the call
                     that issued it and whether that call was signed with temporary credentials
                     (GetSessionToken and GetFederationToken keys are renamed to unique ids so
                     they can be told apart; moto checks no signature). AssumeRole keys are
                     moto's own, so that get-caller-identity still answers the assumed role.
  GET /federation?Action=getSigninToken&Session=JSON[&SessionDuration=N]
                     Accepts only sessions issued here by AssumeRole or GetFederationToken, or
                     listed in STATE_DIR/sso-issued (the OIDC stand-in's portal credentials),
                     with their exact secret and token. SessionDuration (900-43200) only for a
                     role assumed with long-term keys, as the real endpoint.
Every federation request is appended to STATE_DIR/federation.jsonl; every STS call to
STATE_DIR/sts.jsonl; every session handed out to STATE_DIR/issued.jsonl, which all stand-ins
sharing STATE_DIR read (one can serve STS over http while another serves the sign-in over https).

MODE: normal (default); error500 (an HTML error page); garbage (200, not JSON);
      echo (400 echoing the request's Session back: mfatui must not show it).
"""
import argparse
import http.client
import json
import os
import re
import secrets
import ssl
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ONLY = "Only federation tokens or assume role tokens may be used for federated login."
LOCK = threading.RLock()


def record(state, name, entry):
    with LOCK, open(os.path.join(state, name), "a") as f:
        f.write(json.dumps(entry) + "\n")


def issued_here(state):
    try:
        with open(os.path.join(state, "issued.jsonl")) as f:
            return {e["key"]: e for e in map(json.loads, f)}
    except FileNotFoundError:
        return {}


def sso_issued(state):
    try:
        with open(os.path.join(state, "sso-issued")) as f:
            for line in f:
                key, secret, token = line.split()
                yield key, {"by": "SsoGetRoleCredentials", "temporary_caller": True,
                            "secret": secret, "token": token}
    except FileNotFoundError:
        return


def issue(state, action, caller, found, text):
    """Records the session in an STS answer (renaming moto's shared key where needed)."""
    key = found.group(1)
    known = issued_here(state)
    n = len(known) + 1
    if action != "AssumeRole":
        key = {"GetSessionToken": "ASIAGST", "GetFederationToken": "ASIAGFT"}[action] + f"{n:013d}"
        text = text.replace(found.group(0), f"<AccessKeyId>{key}</AccessKeyId>")
    token = f"standin-{action}-token-{n}-" + secrets.token_hex(8)
    text = re.sub(r"<SessionToken>[^<]*</SessionToken>", f"<SessionToken>{token}</SessionToken>", text)
    secret = re.search(r"<SecretAccessKey>([^<]+)</SecretAccessKey>", text).group(1)
    record(state, "issued.jsonl", {"key": key, "by": action, "temporary_caller": caller in known,
                                   "secret": secret, "token": token})
    return text, key


def caller_of(headers):
    match = re.search(r"Credential=([A-Z0-9]+)/", headers.get("Authorization", ""))
    return match.group(1) if match else None


def make_handler(moto, state, mode):
    target = urllib.parse.urlsplit(moto)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body, content_type="application/json"):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            form = urllib.parse.parse_qs(body.decode())
            action = form.get("Action", ["?"])[0]
            caller = caller_of(self.headers)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            conn.request("POST", self.path, body=body, headers=headers)
            answer = conn.getresponse()
            text = answer.read().decode()
            issued = None
            found = re.search(r"<AccessKeyId>([^<]+)</AccessKeyId>", text)
            if answer.status == 200 and found and action in ("AssumeRole", "GetSessionToken", "GetFederationToken"):
                with LOCK:
                    text, issued = issue(state, action, caller, found, text)
            record(state, "sts.jsonl", {
                "action": action, "caller": caller, "issued": issued,
                "DurationSeconds": form.get("DurationSeconds", [None])[0],
                "Policy": form.get("Policy", [None])[0], "Name": form.get("Name", [None])[0],
            })
            data = text.encode()
            self.send_response(answer.status)
            for k, v in answer.getheaders():
                if k.lower() not in ("content-length", "connection", "transfer-encoding", "server", "date"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            action = query.get("Action", [None])[0]
            entry = {"path": url.path, "action": action}

            def done(status, body, content_type="application/json", **extra):
                entry.update(extra, status=status)
                record(state, "federation.jsonl", entry)
                self.reply(status, body, content_type)

            if url.path != "/federation" or action != "getSigninToken":
                return done(400, "unsupported request")
            raw = query.get("Session", [""])[0]
            duration = query.get("SessionDuration", [None])[0]
            entry["SessionDuration"] = duration
            if mode == "error500":
                return done(500, "<html><body><h1>Internal error</h1></body></html>", "text/html")
            if mode == "garbage":
                return done(200, "this is not json", "text/plain")
            if mode == "echo":
                return done(400, "Bad session: " + raw, "text/plain")
            try:
                session = json.loads(raw)
            except ValueError:
                return done(400, "Session is not JSON", "text/plain")
            key = session.get("sessionId")
            entry["sessionId"] = key
            known = issued_here(state)
            known.update(sso_issued(state))
            issued = known.get(key)
            entry["issuedBy"] = issued and issued["by"]
            if not issued or issued["by"] == "GetSessionToken":
                return done(400, ONLY, "text/plain", reason="not a role session or federation token")
            if session.get("sessionKey") != issued["secret"] or session.get("sessionToken") != issued["token"]:
                return done(400, "The session is not valid.", "text/plain", reason="wrong secret or token")
            if duration is not None:
                if issued["by"] != "AssumeRole" or issued["temporary_caller"]:
                    return done(400, "SessionDuration is not supported for these credentials.", "text/plain",
                                reason="SessionDuration refused")
                if not duration.isdigit() or not 900 <= int(duration) <= 43200:
                    return done(400, "SessionDuration must be between 900 and 43200.", "text/plain",
                                reason="SessionDuration out of range")
            token = "standin-signin-token-" + secrets.token_hex(16)
            return done(200, json.dumps({"SigninToken": token}), signinToken=token)

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("moto")
    parser.add_argument("state")
    parser.add_argument("--mode", default="normal")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    args = parser.parse_args()
    os.makedirs(args.state, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(args.moto, args.state, args.mode))
    if args.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*args.tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
