"""Run inside a private network namespace by test_alert_redirects.py (not a test itself).

The namespace's loopback carries 11.11.11.11, an address the guard takes for the public
internet. This script:
1. serves a webhook at 11.11.11.11:8080 that answers every POST to /<status>/... with that
   redirect status to http://127.0.0.1:8081/stolen (a private address the guard refuses);
2. serves the receiver at 127.0.0.1:8081, which must hear nothing;
3. sends the deliveries named on the command line with desk.alerts.alert_send (the database
   is reached through PostgreSQL's Unix socket: the namespace has no other way out);
4. prints what each server heard and what each send returned, as JSON.
"""

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOOK = ("11.11.11.11", 8080)
RECEIVER = ("127.0.0.1", 8081)
heard: dict[str, list[str]] = {"hook": [], "receiver": []}


def handler(name: str, answer):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            heard[name].append(self.path)
            answer(self)

        do_GET = do_PUT = do_POST  # noqa: N815

        def log_message(self, *args):
            pass

    return Handler


def redirect(request):
    status = int(request.path.strip("/").split("/", 1)[0])
    request.send_response(status)
    request.send_header("Location", f"http://{RECEIVER[0]}:{RECEIVER[1]}/stolen")
    request.send_header("Content-Length", "0")
    request.end_headers()


def accept(request):
    request.send_response(200)
    request.send_header("Content-Length", "2")
    request.end_headers()
    request.wfile.write(b"ok")


def main() -> None:
    for address, name, answer in ((HOOK, "hook", redirect), (RECEIVER, "receiver", accept)):
        server = ThreadingHTTPServer(address, handler(name, answer))
        threading.Thread(target=server.serve_forever, daemon=True).start()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "claimwatch.settings")
    import django

    django.setup()
    from desk import alerts

    sent = [alerts.alert_send(delivery_id=int(i)) for i in sys.argv[1:]]
    print(json.dumps({"sent": sent, **heard}))


if __name__ == "__main__":
    main()
