"""A local stand-in for IAM Identity Center's OIDC endpoints (moto does not serve the device
flow): RegisterClient, StartDeviceAuthorization, CreateToken, as aws-sdk-ssooidc calls them;
and the portal's GetRoleCredentials, as aws-sdk-sso calls it.

Usage: python3 tests/oidc_standin.py MODE [ISSUED]   (prints the port, then serves until killed)
MODE: approve   - pending once, slow_down once, then a token
      deny      - pending once, then access denied
      expire    - always pending; the device code expires after 2 seconds
GetRoleCredentials answers the token this stand-in issues (standin-access-token) with fresh
role credentials, appending "KEY SECRET TOKEN" to the file ISSUED when given (the federation
stand-in accepts those); any other token is UnauthorizedException, role "Missing" is
ForbiddenException.
"""
import json
import secrets
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

MODE = sys.argv[1]
ISSUED = sys.argv[2] if len(sys.argv) > 2 else None
POLLS = {"n": 0}


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

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        now = int(time.time())
        if self.path == "/client/register":
            assert body.get("clientType") == "public", body
            return self.reply(200, {"clientId": "standin-client", "clientSecret": "standin-client-secret",
                                    "clientIdIssuedAt": now, "clientSecretExpiresAt": now + 90 * 86400})
        if self.path == "/device_authorization":
            assert body.get("startUrl"), body
            expires = 2 if MODE == "expire" else 600
            return self.reply(200, {"deviceCode": "standin-device-code", "userCode": "ABCD-EFGH",
                                    "verificationUri": "https://device.sso.example/",
                                    "verificationUriComplete": "https://device.sso.example/?user_code=ABCD-EFGH",
                                    "expiresIn": expires, "interval": 1})
        if self.path == "/token":
            assert body.get("deviceCode") == "standin-device-code", body
            POLLS["n"] += 1
            n = POLLS["n"]
            if MODE == "approve" and n == 2:
                return self.reply(400, {"error": "slow_down"}, "SlowDownException")
            if MODE == "approve" and n >= 3:
                return self.reply(200, {"accessToken": "standin-access-token", "tokenType": "Bearer",
                                        "expiresIn": 28800, "refreshToken": "standin-refresh-token"})
            if MODE == "deny" and n >= 2:
                return self.reply(400, {"error": "access_denied"}, "AccessDeniedException")
            return self.reply(400, {"error": "authorization_pending"}, "AuthorizationPendingException")
        self.reply(404, {"error": "not found"})

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path != "/federation/credentials":
            return self.reply(404, {"error": "not found"})
        if self.headers.get("x-amz-sso_bearer_token") != "standin-access-token":
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


server = HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
