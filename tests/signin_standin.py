"""A local stand-in for AWS Sign-In's CreateOAuth2Token (POST /v1/token), the refresh of an
`aws login` session, which moto does not serve. It plays the service's side of a sign-in:

At start it signs a session in, as `aws login` would: it makes a P-256 key, binds the session
to that key, and writes the token cache with botocore's own writer (LoginTokenLoader over
JSONFileCache, the code `aws login` uses) into CACHE_DIR under botocore's name for SESSION.
Then it prints its port and serves until killed.

Every refresh request is checked and refused unless all of these hold:
- the `DPoP` header is a JWT with typ `dpop+jwt`, alg `ES256` and a P-256 `jwk`, signed (ES256)
  by the key the session is bound to;
- its claims: htm `POST`, htu the URL this request was sent to, iat within 60 s of now, a jti
  never seen before;
- the body: grantType `refresh_token`, the session's clientId and its current refresh token
  (which is replaced by a new one at every refresh, as the service rotates it).

Usage: python3 tests/signin_standin.py CACHE_DIR SESSION MODE ACCESS LOG
MODE:   ok        - valid refreshes are answered with new credentials
        expired   - a valid refresh is refused: the refresh token has run out (TOKEN_EXPIRED)
        wrong-key - the cache gets a key other than the one the session is bound to
ACCESS: valid     - the cached credentials have 15 minutes left
        expired   - the cached credentials expired a minute ago
LOG:    each decision is appended as one JSON line: {"result": ..., "why": ...}
"""
import base64
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

from botocore.utils import JSONFileCache, LoginTokenLoader
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

CACHE_DIR, SESSION, MODE, ACCESS, LOG = sys.argv[1:6]
CLIENT_ID = "arn:aws:signin:::devtools/same-device"
ACCOUNT = SESSION.split(":")[4]
BOUND_KEY = ec.generate_private_key(ec.SECP256R1())
STATE = {"n": 0, "refresh": "standin-refresh-0", "jtis": set()}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def stamp(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def credentials(n):
    return {
        "accessKeyId": f"ASIASTANDIN{n:04d}",
        "secretAccessKey": f"standin-secret-{n}",
        "sessionToken": f"standin-session-{n}",
    }


def sign_in():
    """What `aws login` leaves behind: the token cache, written by botocore."""
    now = int(time.time())
    cached_key = BOUND_KEY if MODE != "wrong-key" else ec.generate_private_key(ec.SECP256R1())
    pem = cached_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    claims = {"sub": SESSION, "aud": "arn:aws:signin:::cli/same-device", "iat": now - 600, "exp": now + 300}
    id_token = ".".join([b64url(b'{"alg":"ES384"}'), b64url(json.dumps(claims).encode()), b64url(b"standin-id-signature")])
    access = dict(credentials(0), accountId=ACCOUNT,
                  expiresAt=stamp(now + 900 if ACCESS == "valid" else now - 60))
    token = {
        "accessToken": access,
        "tokenType": "aws_sigv4",
        "clientId": CLIENT_ID,
        "refreshToken": STATE["refresh"],
        "idToken": id_token,
        "dpopKey": pem,
    }
    LoginTokenLoader(JSONFileCache(CACHE_DIR)).save_token(SESSION, token)


def log(result, why):
    with open(LOG, "a") as f:
        f.write(json.dumps({"result": result, "why": why}) + "\n")


def check_proof(proof, url):
    """Why the DPoP proof is refused, or None when it is sound."""
    parts = (proof or "").split(".")
    if len(parts) != 3:
        return "no-proof"
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except ValueError:
        return "malformed"
    jwk = header.get("jwk", {})
    if header.get("typ") != "dpop+jwt" or header.get("alg") != "ES256":
        return "header"
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256" or len(signature) != 64:
        return "header"
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    try:
        BOUND_KEY.public_key().verify(
            encode_dss_signature(r, s), f"{parts[0]}.{parts[1]}".encode(), ec.ECDSA(hashes.SHA256())
        )
    except InvalidSignature:
        return "signature"
    numbers = BOUND_KEY.public_key().public_numbers()
    if (jwk.get("x"), jwk.get("y")) != (b64url(numbers.x.to_bytes(32, "big")), b64url(numbers.y.to_bytes(32, "big"))):
        return "jwk"
    if claims.get("htm") != "POST":
        return "htm"
    if claims.get("htu") != url:
        return "htu"
    if not isinstance(claims.get("iat"), int) or abs(time.time() - claims["iat"]) > 60:
        return "iat"
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti or jti in STATE["jtis"]:
        return "jti"
    STATE["jtis"].add(jti)
    return None


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

    def refuse(self, why, code, message):
        log("refused", why)
        self.reply(400, {"error": code, "message": message}, "AccessDeniedException")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            body = {}
        if self.path != "/v1/token":
            log("refused", "path")
            return self.reply(404, {"message": "not found"})
        why = check_proof(self.headers.get("DPoP"), f"http://{self.headers.get('Host')}{self.path}")
        if why:
            return self.refuse(why, "INVALID_REQUEST", f"DPoP proof rejected ({why})")
        if body.get("grantType") != "refresh_token" or body.get("clientId") != CLIENT_ID:
            return self.refuse("body", "INVALID_REQUEST", "unexpected grant or client")
        if body.get("refreshToken") != STATE["refresh"]:
            return self.refuse("refresh-token", "INVALID_REQUEST", "unknown refresh token")
        if MODE == "expired":
            return self.refuse("token-expired", "TOKEN_EXPIRED", "The refresh token has expired.")
        STATE["n"] += 1
        n = STATE["n"]
        STATE["refresh"] = f"standin-refresh-{n}"
        log("accepted", None)
        self.reply(200, {"accessToken": credentials(n), "tokenType": "aws_sigv4",
                         "expiresIn": 900, "refreshToken": STATE["refresh"]})


sign_in()
server = HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
