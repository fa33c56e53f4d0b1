"""A front for moto that records every STS/IAM call it forwards: the action and the
parameters that matter for the tests (TokenCode, SerialNumber, DurationSeconds, RoleArn).

Usage: python3 tests/sts_recorder.py MOTO_URL LOG_FILE
Prints the port it listens on (127.0.0.1), then serves until killed. Each call is one JSON line
in LOG_FILE.
"""
import http.server
import json
import sys
import urllib.parse
import urllib.request

MOTO, LOG = sys.argv[1], sys.argv[2]
KEPT = ("Action", "TokenCode", "SerialNumber", "DurationSeconds", "RoleArn")


class Front(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        params = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
        with open(LOG, "a") as log:
            log.write(json.dumps({k: params[k][0] for k in KEPT if k in params}) + "\n")
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
        request = urllib.request.Request(MOTO + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request) as answer:
                status, data, ctype = answer.status, answer.read(), answer.headers.get("Content-Type", "text/xml")
        except urllib.error.HTTPError as e:
            status, data, ctype = e.code, e.read(), e.headers.get("Content-Type", "text/xml")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Front)
print(server.server_address[1], flush=True)
server.serve_forever()
