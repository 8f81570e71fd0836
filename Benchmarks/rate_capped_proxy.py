#!/usr/bin/env python3
"""A loopback HTTP proxy in front of Swift that caps what each connection receives at RATE bytes per second, like
a Swift proxy with per-connection rate limits or a cross-region link (for Benchmarks/backup-benchmark).

  rate_capped_proxy.py UPSTREAM_PORT RATE_BYTES_PER_SECOND

Prints its port, then forwards GET and HEAD (headers, Range included) to 127.0.0.1:UPSTREAM_PORT, pacing each
response body per connection. Requests with a body are not needed by a restore and are refused.
"""
import http.client
import http.server
import sys
import time

HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection", "host"}


def main():
    upstream_port, rate = int(sys.argv[1]), float(sys.argv[2])

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def forward(self):
            if int(self.headers.get("Content-Length") or 0) or "chunked" in self.headers.get("Transfer-Encoding", ""):
                self.send_error(405, "requests with a body are not forwarded")
                return
            upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=300)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            upstream.request(self.command, self.path, headers=headers)
            response = upstream.getresponse()
            length = response.getheader("Content-Length")
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in HOP:
                    self.send_header(name, value)
            chunked = length is None and self.command != "HEAD"
            if chunked:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if self.command != "HEAD":
                started, sent = time.monotonic(), 0
                while True:
                    piece = response.read(64 * 1024)
                    if not piece:
                        break
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                    sent += len(piece)
                    ahead = sent / rate - (time.monotonic() - started)
                    if ahead > 0:
                        time.sleep(ahead)  # the cap itself: this connection may not go faster
                if chunked:
                    self.wfile.write(b"0\r\n\r\n")
            upstream.close()

        do_GET = do_HEAD = forward

        def do_PUT(self):
            self.send_error(405, "not forwarded")

        do_POST = do_DELETE = do_PUT

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
