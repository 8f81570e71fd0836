#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// Talks to systemd's notification socket (`sd_notify(3)`) without libsystemd: `READY=1`, `WATCHDOG=1`,
/// `STATUS=…`, `STOPPING=1`, as datagrams to `$NOTIFY_SOCKET`.
public struct SystemdNotifier: Sendable {
    private let socketPath: String
    /// How often systemd expects `WATCHDOG=1` at the latest (`$WATCHDOG_USEC`), when the watchdog is on for us.
    public let watchdogTimeout: Duration?

    /// nil when the agent was not started by systemd with `Type=notify` (no `$NOTIFY_SOCKET`).
    public init?(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty, path.utf8.count < 108 else { return nil }
        socketPath = path
        if let usec = environment["WATCHDOG_USEC"].flatMap(Int64.init), usec > 0,
            environment["WATCHDOG_PID"].flatMap(Int32.init).map({ $0 == getpid() }) ?? true
        {
            watchdogTimeout = .microseconds(usec)
        } else {
            watchdogTimeout = nil
        }
    }

    /// Sends one notification; failures are ignored (systemd may be gone during shutdown), as sd_notify does.
    @discardableResult
    public func send(_ state: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }  // an abstract socket
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path.prefix(buffer.count - 1))
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count)
        let payload = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(fd, payload, payload.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT), socketAddress, length)
            }
        }
        return sent == payload.count
    }
}
