import AgentSupport
import Foundation
import HTTPTransport
import TestSupport

/// A loopback HTTP proxy in front of the real Swift (Python, from the test venv) that answers
/// `503 Service Unavailable` to the first `failures` PUTs and GETs of every segment (`…_NNNNNNNN`), cuts the
/// connection halfway through the body of the next `truncations` GETs of every segment, and forwards everything
/// else. With `together` above 1, the first `together` segment GETs are held until all of them have arrived (or 5 s
/// have passed), so downloads that overlap are seen to: `GET /__stub__/stats` reports what it injected, how many
/// GETs asked for a `Range`, and the most segment GETs in flight at once (`most_at_once`).
final class FlakyProxy: Sendable {
    static let script = """
        import http.client, http.server, json, re, signal, sys, threading
        signal.pthread_sigmask(signal.SIG_SETMASK, [])  # the test thread that started us may block SIGTERM
        upstream_port, failures, truncations = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
        together = int(sys.argv[4])
        lock, attempts = threading.Lock(), {}
        injected = {"PUT": 0, "GET": 0, "truncated": 0, "ranged": 0, "most_at_once": 0}
        in_flight, arrivals, arrived = [0], [0], threading.Condition(lock)
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
                truncate = False
                if self.command in ("PUT", "GET") and segment.search(path):
                    with lock:
                        key = (self.command, self.path)
                        attempts[key] = attempts.get(key, 0) + 1
                        fail = attempts[key] <= failures
                        truncate = self.command == "GET" and not fail and attempts[key] <= failures + truncations
                        if fail:
                            injected[self.command] += 1
                        if truncate:
                            injected["truncated"] += 1
                        if self.command == "GET" and "Range" in self.headers:
                            injected["ranged"] += 1
                    if fail:
                        return self.reply(503, {}, b"<html><h1>Service Unavailable</h1><p>injected</p></html>")
                if self.command == "GET" and segment.search(path):
                    with arrived:
                        in_flight[0] += 1
                        arrivals[0] += 1
                        injected["most_at_once"] = max(injected["most_at_once"], in_flight[0])
                        arrived.notify_all()
                        arrived.wait_for(lambda: arrivals[0] >= together, timeout=5)
                    try:
                        return self.forward(data, path, truncate)
                    finally:
                        with arrived:
                            in_flight[0] -= 1
                return self.forward(data, path, truncate)

            def forward(self, data, path, truncate):
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
                upstream.close()
                if truncate:
                    self.send_response(response.status)
                    for name, value in relayed.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload[: len(payload) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.reply(response.status, relayed, payload, head=self.command == "HEAD")

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
    static func start(python: String, upstreamPort: Int, failures: Int, truncations: Int = 0, together: Int = 1)
        async throws -> FlakyProxy
    {
        try await BlockingThreadPool.shared.run {
            let child = try ChildProcess(
                python, ["-c", script, String(upstreamPort), String(failures), String(truncations), String(together)],
                stderr: .null)
            guard let port = Int(ChildProcess.readLine(child.standardOutput!)) else {
                child.kill()
                throw TestFailure("the flaky proxy did not start")
            }
            return FlakyProxy(child: child, port: port)
        }
    }

    /// What the proxy injected so far: `PUT`/`GET` 503s, `truncated` GETs, `ranged` GETs seen, and the most segment
    /// GETs in flight at once (`most_at_once`).
    func stats() async throws -> [String: Int] {
        let response = try await SwiftTestEnvironment.client.send(
            HTTPRequest(.get, url: "http://127.0.0.1:\(port)/__stub__/stats"))
        return try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Int] ?? [:]
    }

    /// Stops the proxy process (this test's own child).
    func stop() async {
        await BlockingThreadPool.shared.run { [child] in
            child.signal(SIGTERM)
            _ = child.waitBlocking()
        }
    }
}
