import AgentSupport
import Foundation
import TestSupport

/// A loopback HTTP proxy in front of a real Swift (Python, from the test venv) that, for PUTs whose path matches a
/// pattern, reads the whole body and forwards it only `delay` seconds later, whether or not the client is still
/// there, as a buffering proxy or a slow Swift proxy does: a segment PUT in flight when the agent dies is then
/// committed after its death. Everything else is forwarded at once. `GET /__stub__/stats` reports how many held
/// PUTs were received and forwarded.
final class SlowSwiftProxy: Sendable {
    static let script = """
        import http.client, http.server, json, re, signal, sys, threading, time
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        upstream_port, delay, pattern = int(sys.argv[1]), float(sys.argv[2]), re.compile(sys.argv[3])
        lock, stats = threading.Lock(), {"held": 0, "forwarded": 0}
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
                if self.path == "/__stub__/stats":
                    with lock:
                        return self.reply(200, {}, json.dumps(stats).encode())
                held = self.command == "PUT" and pattern.search(self.path) is not None
                if held:
                    with lock:
                        stats["held"] += 1
                    time.sleep(delay)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in hop}
                if self.command in ("PUT", "POST"):
                    headers["Content-Length"] = str(len(data))
                upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
                upstream.request(self.command, self.path, body=data if self.command in ("PUT", "POST") else None,
                                 headers=headers)
                response = upstream.getresponse()
                payload = response.read()
                relayed = {k: v for k, v in response.getheaders() if k.lower() not in hop}
                if self.command == "HEAD":
                    relayed["Content-Length"] = response.getheader("Content-Length", "0")
                upstream.close()
                if held:
                    with lock:
                        stats["forwarded"] += 1
                try:
                    self.reply(response.status, relayed, payload, head=self.command == "HEAD")
                except OSError:
                    pass  # the client went away meanwhile: what it sent was committed all the same

            def reply(self, status, headers, payload, head=False):
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if not head:
                    self.wfile.write(payload)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_COPY = handle_any

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """

    private let child: ChildProcess
    let port: Int

    /// - Parameters:
    ///   - upstream: the real Swift proxy's port.
    ///   - delay: seconds a matching PUT is held after its body arrived.
    ///   - pattern: a Python regular expression over the request path (e.g. `_0000000[0-9]$`).
    init(upstream: Int, delay: Double, pattern: String) throws {
        let python = try TestEnvironment.python()
        child = try ChildProcess(
            python, ["-c", Self.script, String(upstream), String(delay), pattern], stdin: .null, stdout: .pipe,
            stderr: .null)
        let line = ChildProcess.readLine(child.standardOutput!)
        guard let port = Int(line.trimmingCharacters(in: .whitespaces)) else {
            child.kill()
            throw BackupTestFailure("the slow proxy did not start: \(line)")
        }
        self.port = port
    }

    /// The URL of `storageURL`'s account through this proxy.
    func through(_ storageURL: String) -> String {
        guard let range = storageURL.range(of: #"^http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) else {
            return storageURL
        }
        return storageURL.replacingCharacters(in: range, with: "http://127.0.0.1:\(port)")
    }

    /// Held PUTs received, and forwarded to Swift.
    func stats() async throws -> (held: Int, forwarded: Int) {
        let result = try await ProcessRunner.run(
            try TestEnvironment.python(),
            ["-c", "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1]).read().decode())",
             "http://127.0.0.1:\(port)/__stub__/stats"])
        let json = try JSONParser.parse(Array(result.stdout.utf8))
        return (Int(json["held"]?.intValue ?? 0), Int(json["forwarded"]?.intValue ?? 0))
    }

    deinit { child.kill() }
}
