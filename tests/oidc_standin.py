"""A local stand-in for IAM Identity Center's OIDC endpoints (moto serves none of them):
RegisterClient (scopes, grant types, redirect URIs, issuer), StartDeviceAuthorization, the
/authorize page of the authorization code flow (a 302 to the registered loopback redirect),
CreateToken with the device_code, authorization_code (PKCE S256 checked) and refresh_token
grants, as aws-sdk-ssooidc and botocore call them; and the portal's GetRoleCredentials, as
aws-sdk-sso calls it.

Usage: python3 tests/oidc_standin.py MODE [ISSUED]   (prints the port, then serves until killed)
MODE: approve   - device flow: pending once, slow_down once, then a token
      deny      - device flow: pending once, then access denied; /authorize redirects with
                  error=access_denied
      expire    - device flow: always pending; the device code expires after 2 seconds
      short     - like approve, but every access token lasts 60 seconds
      norefresh - like approve, but CreateToken with refresh_token is refused (InvalidGrant)
As the real service does, a refresh token is given only to a client registered with scopes.
STANDIN_LOG (environment): a file that gets one line per call ("register SCOPES GRANTS",
"authorize", "token GRANT", "role"), for tests that count them.
STANDIN_ACCOUNTS (environment): a JSON file {"accounts": [{"id", "name", "roles": [...]}],
"delay": seconds per ListAccountRoles call, "fail_roles": [account ids whose ListAccountRoles
fails]} served by the portal's ListAccounts (pages of 10, whatever maxResults says) and
ListAccountRoles (pages of 1); each ListAccountRoles call logs "roles N", N being how many
were in flight when it came. "loop": "same" (every ListAccounts page says nextToken "0"),
"empty" (nextToken ""), "roles" (every ListAccountRoles page says "0") or "fresh" (every
ListAccounts page names ten new accounts and a new token, forever) plays a broken portal.
GetRoleCredentials answers an access token this stand-in issued with fresh role credentials,
appending "KEY SECRET TOKEN" to the file ISSUED when given (the federation stand-in accepts
those); any other token is UnauthorizedException, role "Missing" is ForbiddenException.
"""
import base64
import hashlib
import json
import os
import secrets
import sys
import time
import urllib.parse
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODE = sys.argv[1]
ISSUED = sys.argv[2] if len(sys.argv) > 2 else None
POLLS = {"n": 0}
CLIENTS = {}      # clientId -> registration request
CODES = {}        # authorization code -> (clientId, redirect_uri, challenge)
ACCESS = {"standin-access-token"}
REFRESH = {}      # refresh token -> clientId
COUNT = {"token": 0}
INFLIGHT = {"n": 0}
LOCK = threading.Lock()


def accounts():
    path = os.environ.get("STANDIN_ACCOUNTS")
    if not path:
        return {"accounts": []}
    with open(path) as f:
        return json.load(f)
LIFE = 60 if MODE == "short" else 28800


def log(line):
    path = os.environ.get("STANDIN_LOG")
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")


def b64url(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body, error_type=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if error_type:
            self.send_header("x-amzn-errortype", error_type)
        self.end_headers()
        self.wfile.write(data)

    def token(self, client, first=False, rotate=None):
        COUNT["token"] += 1
        access = "standin-access-token" if first else "standin-access-token-%d" % COUNT["token"]
        ACCESS.add(access)
        answer = {"accessToken": access, "tokenType": "Bearer", "expiresIn": LIFE}
        if client.get("scopes"):
            refresh = rotate or "standin-refresh-token-%d" % COUNT["token"]
            REFRESH[refresh] = next(k for k, v in CLIENTS.items() if v is client)
            answer["refreshToken"] = refresh
        return answer

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        now = int(time.time())
        if self.path == "/client/register":
            assert body.get("clientType") == "public", body
            grants = body.get("grantTypes") or []
            if "authorization_code" in grants:
                assert body.get("redirectUris") and body.get("issuerUrl"), body
            client = "standin-client" if not grants else "standin-pkce-client-" + secrets.token_hex(4)
            CLIENTS[client] = body
            log("register %s %s" % (",".join(body.get("scopes") or []) or "-", ",".join(grants) or "-"))
            return self.reply(200, {"clientId": client, "clientSecret": "standin-client-secret",
                                    "clientIdIssuedAt": now, "clientSecretExpiresAt": now + 90 * 86400})
        if self.path == "/device_authorization":
            assert body.get("startUrl"), body
            expires = 2 if MODE == "expire" else 600
            return self.reply(200, {"deviceCode": "standin-device-code", "userCode": "ABCD-EFGH",
                                    "verificationUri": "https://device.sso.example/",
                                    "verificationUriComplete": "https://device.sso.example/?user_code=ABCD-EFGH",
                                    "expiresIn": expires, "interval": 1})
        if self.path == "/token":
            grant = body.get("grantType")
            log("token " + str(grant))
            client = CLIENTS.get(body.get("clientId"), {})
            if grant == "refresh_token":
                if MODE == "norefresh" or REFRESH.get(body.get("refreshToken")) != body.get("clientId"):
                    return self.reply(400, {"error": "invalid_grant", "error_description": "Invalid refresh token"},
                                      "InvalidGrantException")
                return self.reply(200, self.token(client, rotate=body.get("refreshToken")))
            if grant == "authorization_code":
                issued = CODES.pop(body.get("code"), None)
                verifier = body.get("codeVerifier") or ""
                if (issued is None or issued[0] != body.get("clientId") or issued[1] != body.get("redirectUri")
                        or b64url(hashlib.sha256(verifier.encode()).digest()) != issued[2]):
                    return self.reply(400, {"error": "invalid_grant"}, "InvalidGrantException")
                return self.reply(200, self.token(client))
            assert body.get("deviceCode") == "standin-device-code", body
            POLLS["n"] += 1
            n = POLLS["n"]
            if MODE in ("approve", "short", "norefresh") and n == 2:
                return self.reply(400, {"error": "slow_down"}, "SlowDownException")
            if MODE in ("approve", "short", "norefresh") and n >= 3:
                return self.reply(200, self.token(client, first=True))
            if MODE == "deny" and n >= 2:
                return self.reply(400, {"error": "access_denied"}, "AccessDeniedException")
            return self.reply(400, {"error": "authorization_pending"}, "AuthorizationPendingException")
        self.reply(404, {"error": "not found"})

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path == "/authorize":
            return self.authorize({k: v[0] for k, v in query.items()})
        if url.path in ("/assignment/accounts", "/assignment/roles"):
            return self.portal(url.path, {k: v[0] for k, v in query.items()})
        if url.path != "/federation/credentials":
            return self.reply(404, {"error": "not found"})
        bearer = self.headers.get("x-amz-sso_bearer_token")
        log("role")
        if bearer not in ACCESS:
            return self.reply(401, {"message": "Session token not found or invalid"}, "UnauthorizedException")
        role = query.get("role_name", [""])[0]
        if not query.get("account_id", [""])[0] or role == "Missing":
            return self.reply(403, {"message": "No access"}, "ForbiddenException")
        key = "ASIASSO" + secrets.token_hex(7).upper()[:13]
        secret = "sso-secret-" + secrets.token_hex(12)
        token = "sso-session-token-" + secrets.token_hex(12)
        if ISSUED:
            with open(ISSUED, "a") as f:
                f.write(f"{key} {secret} {token}\n")
        return self.reply(200, {"roleCredentials": {"accessKeyId": key, "secretAccessKey": secret,
                                                    "sessionToken": token,
                                                    "expiration": int(time.time() + 3600) * 1000}})


    def portal(self, path, q):
        if self.headers.get("x-amz-sso_bearer_token") not in ACCESS:
            return self.reply(401, {"message": "Session token not found or invalid"}, "UnauthorizedException")
        data = accounts()
        start = int(q.get("next_token", "0") or 0)
        if path == "/assignment/accounts":
            log("accounts")
            page = data["accounts"][start:start + 10]
            body = {"accountList": [{"accountId": a["id"], "accountName": a["name"],
                                     "emailAddress": "x@example.com"} for a in page]}
            if data.get("loop") == "fresh":
                # A hostile portal: ten accounts never named before and a new token, forever.
                page = [{"id": "%012d" % (900000 + start + i), "name": "fresh %d" % (start + i)}
                        for i in range(10)]
                body = {"accountList": [{"accountId": a["id"], "accountName": a["name"],
                                         "emailAddress": "x@example.com"} for a in page],
                        "nextToken": str(start + 10)}
            elif data.get("loop") == "same":
                body["nextToken"] = "0"
            elif data.get("loop") == "empty":
                body["nextToken"] = ""
            elif start + 10 < len(data["accounts"]):
                body["nextToken"] = str(start + 10)
            return self.reply(200, body)
        with LOCK:
            INFLIGHT["n"] += 1
            log("roles %d" % INFLIGHT["n"])
        try:
            time.sleep(data.get("delay", 0))
            account = q.get("account_id")
            if account in data.get("fail_roles", []):
                return self.reply(404, {"message": "No such account"}, "ResourceNotFoundException")
            roles = next((a["roles"] for a in data["accounts"] if a["id"] == account), [])
            body = {"roleList": [{"roleName": r, "accountId": account} for r in roles[start:start + 1]]}
            if data.get("loop") == "roles":
                body["nextToken"] = "0"
            elif start + 1 < len(roles):
                body["nextToken"] = str(start + 1)
            return self.reply(200, body)
        finally:
            with LOCK:
                INFLIGHT["n"] -= 1

    def authorize(self, q):
        log("authorize")
        client = CLIENTS.get(q.get("client_id"))
        redirect = urllib.parse.urlsplit(q.get("redirect_uri", ""))
        registered = [urllib.parse.urlsplit(u) for u in (client or {}).get("redirectUris", [])]
        if (client is None or "authorization_code" not in client.get("grantTypes", [])
                or q.get("response_type") != "code" or q.get("code_challenge_method") != "S256"
                or not q.get("code_challenge") or not q.get("state")
                or redirect.hostname != "127.0.0.1"
                or not any(r.scheme == redirect.scheme and r.hostname == redirect.hostname
                           and r.path == redirect.path for r in registered)):
            return self.reply(400, {"error": "invalid_request"})
        if MODE == "deny":
            params = {"error": "access_denied", "state": q["state"]}
        else:
            code = "standin-code-" + secrets.token_hex(8)
            CODES[code] = (q["client_id"], q["redirect_uri"], q["code_challenge"])
            params = {"code": code, "state": q["state"]}
        self.send_response(302)
        self.send_header("Location", q["redirect_uri"] + "?" + urllib.parse.urlencode(params))
        self.send_header("Content-Length", "0")
        self.end_headers()


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
