import AgentSupport
import Foundation

/// A loopback HTTP proxy in front of the real Swift (Python, from the test venv) that answers
/// `503 Service Unavailable` to the first `failures` PUTs and GETs of every segment (`…_NNNNNNNN`), and forwards
/// everything else. `GET /__stub__/stats` reports how many failures it injected.
final class FlakyProxy: Sendable {
    static let script = """
        import http.client, http.server, json, re, signal, sys, threading
        signal.pthread_sigmask(signal.SIG_SETMASK, [])  # the test thread that started us may block SIGTERM
        upstream_port, failures = int(sys.argv[1]), int(sys.argv[2])
        lock, attempts, injected = threading.Lock(), {}, {"PUT": 0, "GET": 0}
        segment = re.compile(r"_[0-9]{8}$")
        hop = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "expect", "host",
               "content-length", "date", "server"}

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def body(self):
                if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                    data = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                        if size == 0:
                            while self.rfile.readline().strip():
                                pass
                            return data
                        data += self.rfile.read(size)
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def handle_any(self):
                data = self.body()
                path = self.path.split("?")[0]
                if path == "/__stub__/stats":
                    with lock:
                        return self.reply(200, {}, json.dumps(injected).encode())
                if self.command in ("PUT", "GET") and segment.search(path):
                    with lock:
                        key = (self.command, self.path)
                        attempts[key] = attempts.get(key, 0) + 1
                        fail = attempts[key] <= failures
                        if fail:
                            injected[self.command] += 1
                    if fail:
                        return self.reply(503, {}, b"<html><h1>Service Unavailable</h1><p>injected</p></html>")
                upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in hop}
                if self.command in ("PUT", "POST"):
                    headers["Content-Length"] = str(len(data))
                upstream.request(self.command, self.path, body=data if self.command in ("PUT", "POST") else None,
                                 headers=headers)
                response = upstream.getresponse()
                payload = response.read()
                relayed = {k: v for k, v in response.getheaders() if k.lower() not in hop}
                if self.command == "HEAD":
                    relayed["Content-Length"] = response.getheader("Content-Length", "0")
                self.reply(response.status, relayed, payload, head=self.command == "HEAD")
                upstream.close()

            def reply(self, status, headers, payload, head=False):
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if not head:
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if not head:
                    self.wfile.write(payload)

            do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = handle_any

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """

    private let child: ChildProcess
    /// The proxy's port on 127.0.0.1.
    let port: Int

    private init(child: ChildProcess, port: Int) {
        self.child = child
        self.port = port
    }

    /// Starts the proxy in front of Swift's proxy at `upstreamPort`.
    static func start(python: String, upstreamPort: Int, failures: Int) async throws -> FlakyProxy {
        try await BlockingThreadPool.shared.run {
            let child = try ChildProcess(python, ["-c", script, String(upstreamPort), String(failures)])
            guard let port = Int(child.readLine()) else {
                child.terminate()
                child.wait()
                throw TestFailure("the flaky proxy did not start: \(child.standardError)")
            }
            return FlakyProxy(child: child, port: port)
        }
    }

    /// Stops the proxy process (this test's own child).
    func stop() async {
        await BlockingThreadPool.shared.run { [child] in
            child.terminate()
            child.wait()
        }
    }
}
