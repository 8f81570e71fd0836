import AgentSupport
import Foundation
import Synchronization
import TestSupport

/// A loopback HTTP relay in front of a Swift proxy (Python, from the test venv) that holds every GET of a segment
/// (`…_NNNNNNNN`) numbered `holdFrom` or higher until ``open()``: a restore reading through it stops part-way, at a
/// point the test knows, for as long as the test needs to break something behind it. Everything else is forwarded
/// as it is (request bodies only with a `Content-Length`: a restore sends none). It reports on stdout `HELD <path>`
/// when it holds a request and `SEGMENT <path> <status>` for every segment GET it answered after opening.
final class SegmentGate: @unchecked Sendable {
    // @unchecked: `child` and `output` are set once in init; writes to stdin are serialised by `writeLock`.
    static let script = """
        import http.client, http.server, re, signal, sys, threading
        signal.pthread_sigmask(signal.SIG_SETMASK, [])  # the test thread that started us may block SIGTERM
        upstream_port, hold_from = int(sys.argv[1]), int(sys.argv[2])
        opened, say_lock = threading.Event(), threading.Lock()
        segment = re.compile(r"_([0-9]{8})$")
        hop = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "expect", "host",
               "content-length", "date", "server"}

        def say(text):
            with say_lock:
                print(text, flush=True)

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_any(self):
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = self.path.split("?")[0]
                match = segment.search(path) if self.command == "GET" else None
                if match and int(match.group(1)) >= hold_from and not opened.is_set():
                    say("HELD " + path)
                    opened.wait(120)
                upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in hop}
                if data or self.command in ("PUT", "POST"):
                    headers["Content-Length"] = str(len(data))
                upstream.request(self.command, self.path, body=data or None, headers=headers)
                response = upstream.getresponse()
                payload = response.read()
                relayed = {k: v for k, v in response.getheaders() if k.lower() not in hop}
                upstream.close()
                self.send_response(response.status)
                for name, value in relayed.items():
                    self.send_header(name, value)
                if self.command == "HEAD":
                    self.send_header("Content-Length", response.getheader("Content-Length", "0"))
                else:
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
                if match and opened.is_set():
                    say("SEGMENT %s %d" % (path, response.status))

            do_GET = do_PUT = do_HEAD = do_DELETE = do_POST = handle_any

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        say("PORT %d" % server.server_address[1])
        for line in sys.stdin:
            if line.strip() == "open":
                opened.set()
                say("OPENED")
        """

    private let child: ChildProcess
    private let output: LineReader
    private let writeLock = Mutex(())
    /// The relay's port on 127.0.0.1.
    let port: Int

    /// Starts a gate in front of the Swift proxy at `upstreamPort`, holding segment GETs numbered `holdFrom` and up.
    init(python: String, upstreamPort: Int, holdFrom: Int) async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONWARNINGS"] = "ignore"
        child = try ChildProcess(
            python, ["-c", Self.script, String(upstreamPort), String(holdFrom)], environment: environment,
            stdin: .pipe, stdout: .pipe, stderr: .null)
        output = LineReader(child.standardOutput!)
        let (_, line) = try await output.waitForLine(timeout: 30, describe: "the gate's port") { $0.hasPrefix("PORT ") }
        guard let port = Int(line.dropFirst("PORT ".count)) else {
            child.kill()
            throw BackupTestFailure("the segment gate printed \(line)")
        }
        self.port = port
    }

    deinit { stop() }

    /// `storageURL` (of the Swift behind the gate) with the gate's address instead of the proxy's.
    func storageURL(replacing storageURL: String, upstreamPort: Int) -> String {
        storageURL.replacing("127.0.0.1:\(upstreamPort)", with: "127.0.0.1:\(port)")
    }

    /// The segments whose GET is being held.
    var held: [String] { output.allLines.filter { $0.hasPrefix("HELD ") }.map { String($0.dropFirst(5)) } }

    /// The segment GETs answered after ``open()``, with Swift's status (`<path> <status>`).
    var answeredAfterOpening: [String] {
        output.allLines.filter { $0.hasPrefix("SEGMENT ") }.map { String($0.dropFirst(8)) }
    }

    /// Lets every held and later request through.
    func open() async throws {
        let handle = child.standardInput!
        writeLock.withLock { _ in handle.write(Data("open\n".utf8)) }
        _ = try await output.waitForLine(timeout: 30, describe: "the gate opened") { $0 == "OPENED" }
    }

    /// Ends the relay (this test's own child).
    func stop() {
        try? child.standardInput?.close()
        child.kill()
    }
}
