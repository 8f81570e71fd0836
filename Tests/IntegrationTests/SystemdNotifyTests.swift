import AgentSupport
import Foundation
import OsloRPC
import Testing
import TestSupport

/// The agent's sd_notify protocol against a datagram socket standing in for systemd.
@Suite(.needsServices) struct SystemdNotifyTests {
    /// A bound AF_UNIX datagram socket; each received datagram is one notification.
    final class NotifySocket: @unchecked Sendable {
        // @unchecked: `fd` and `path` are immutable; received messages are only read through `LineReader`-style waits.
        let fd: Int32
        let path: String
        private let condition = NSCondition()
        private var messages: [(Date, String)] = []

        init(directory: URL) throws {
            path = directory.appendingPathComponent("notify.sock").path
            fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            struct BindFailed: Error { let path: String; let errno: Int32 }
            guard bound == 0 else { throw BindFailed(path: path, errno: errno) }
            DedicatedThread.start(name: "notify-socket") { [self] in
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = recv(fd, &buffer, buffer.count, 0)
                    if count < 0, errno == EINTR { continue }
                    if count <= 0 { return }
                    condition.lock()
                    messages.append((Date(), String(decoding: buffer[0..<count], as: UTF8.self)))
                    condition.broadcast()
                    condition.unlock()
                }
            }
        }

        deinit { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }

        var received: [(Date, String)] {
            condition.lock()
            defer { condition.unlock() }
            return messages
        }

        func waitFor(_ text: String, after: Date = .distantPast, timeout: Double) async -> Date? {
            await BlockingThreadPool.shared.run { [self] in
                let deadline = Date().addingTimeInterval(timeout)
                condition.lock()
                defer { condition.unlock() }
                while true {
                    if let hit = messages.first(where: { $0.0 > after && $0.1.contains(text) }) { return hit.0 }
                    if !condition.wait(until: deadline) { return nil }
                }
            }
        }
    }

    @Test func readyAfterConsumersExistThenWatchdogUntilTheConsumerStallsThenStopping() async throws {
        let port = try TestEnvironment.amqpPort()
        let daemon = try AgentDaemon(amqpPort: port)
        let notify = try NotifySocket(directory: daemon.directory)
        try await daemon.start(environment: [
            "NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "2000000", "TROVE_DB2_AGENT_TEST_HOOKS": "1",
        ])
        #expect(await notify.waitFor("READY=1", timeout: 10) != nil)
        // READY came after the consumers were declared: a call made now is served.
        let client = try await PythonPeer("client", url: PythonPeer.amqpURL(port: port), topic: daemon.topic)
        #expect(try await client.call("rpc_ping")["result"] == true)
        let firstPing = try #require(await notify.waitFor("WATCHDOG=1", timeout: 10))
        #expect(await notify.waitFor("WATCHDOG=1", after: firstPing, timeout: 10) != nil)

        #expect(!daemon.logText.contains("not healthy"))
        let linesBefore = daemon.logs.allLines.count
        kill(daemon.pid, SIGUSR2)  // the test hook: the consumer thread hangs for 8 s
        try await daemon.waitForLog("watchdog pings stopped", after: linesBefore, timeout: 15)
        let stalledAt = Date()
        // No ping for well over the 2 s watchdog timeout: systemd would restart the agent.
        #expect(await notify.waitFor("WATCHDOG=1", after: stalledAt, timeout: 4) == nil)

        #expect(await daemon.stop(timeout: 60) == 0)
        #expect(notify.received.contains { $0.1.contains("STOPPING=1") })
        // The status line says what the agent does: idle once serving, stopping at the end.
        #expect(notify.received.contains { $0.1 == "STATUS=idle" })
        #expect(notify.received.contains { $0.1 == "STATUS=stopping" })
    }
}
