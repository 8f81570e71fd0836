import AgentSupport
import Foundation

/// A child process for tests, started with `posix_spawn` and reaped with `waitpid` on a thread of its own
/// (Foundation's `Process.waitUntilExit` can miss the exit of a child whose own children live on).
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `status` is guarded by `condition`; the rest is set in init.
    public let pid: pid_t
    /// Write end of the child's stdin, when `stdin: .pipe` was asked for.
    public let standardInput: FileHandle?
    /// Read ends of the child's stdout / stderr, when `.pipe` was asked for.
    public let standardOutput: FileHandle?
    public let standardError: FileHandle?
    private let condition = NSCondition()
    private var status: Int32?

    public enum Stream: Sendable {
        case pipe
        case null
        case file(URL)
        case inherit
        /// For stderr: the same pipe or file as stdout (`2>&1`).
        case standardOutput
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public let executable: String
        public let errno: Int32
        public var description: String { "cannot start \(executable): \(String(cString: strerror(errno)))" }
    }

    /// Held from creating a child's pipes until they are closed in the parent, so that no other test's spawn
    /// inherits them before their close-on-exec flag is set.
    private static let spawnLock = ConditionLock()

    public init(
        _ executable: String, _ arguments: [String] = [], environment: [String: String]? = nil,
        stdin: Stream = .null, stdout: Stream = .pipe, stderr: Stream = .pipe
    ) throws {
        Self.spawnLock.lock()
        defer { Self.spawnLock.unlock() }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var parentEnds: [Int32: FileHandle] = [:]
        var childEnds: [Int32] = []
        for (fd, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            switch stream {
            case .pipe:
                var ends: [Int32] = [0, 0]
                // Both ends close on exec: a child spawned meanwhile by another thread must not inherit this pipe
                // (it would keep it open, and the reader would never see end of file). `spawnLock` covers the moment
                // between pipe() and fcntl(); dup2 onto 0/1/2 in the spawned child clears the flag on its copy.
                guard pipe(&ends) == 0 else { throw SpawnError(executable: executable, errno: errno) }
                _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
                _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
                let (childEnd, parentEnd) = fd == 0 ? (ends[0], ends[1]) : (ends[1], ends[0])
                posix_spawn_file_actions_adddup2(&actions, childEnd, fd)
                posix_spawn_file_actions_addclose(&actions, childEnd)
                childEnds.append(childEnd)
                parentEnds[fd] = FileHandle(fileDescriptor: parentEnd, closeOnDealloc: true)
            case .null:
                posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
            case .file(let url):
                posix_spawn_file_actions_addopen(&actions, fd, url.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            case .inherit:
                break
            case .standardOutput:
                posix_spawn_file_actions_adddup2(&actions, 1, fd)
            }
        }
        Self.closeInheritedDescriptors(&actions)
        let environment = environment ?? ProcessInfo.processInfo.environment
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        // The test runner blocks signals on its threads and children inherit the mask: give the child an empty
        // mask and default dispositions, or it would ignore SIGTERM.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        for fd in childEnds { close(fd) }
        guard result == 0 else { throw SpawnError(executable: executable, errno: result) }
        self.pid = pid
        standardInput = parentEnds[0]
        standardOutput = parentEnds[1]
        standardError = parentEnds[2]
        let childPID = pid
        DedicatedThread.start(name: "reap-\(pid)") { [self] in
            var raw: Int32 = 0
            while waitpid(childPID, &raw, 0) == -1, errno == EINTR {}
            condition.lock()
            // Exit code, or 128 + signal as a shell reports it.
            status = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
            condition.broadcast()
            condition.unlock()
        }
    }

    /// `posix_spawn_file_actions_addclosefrom_np(actions, 3)` (glibc >= 2.34; Swift's Glibc module does not declare
    /// it): the child keeps only 0, 1 and 2. Without it a long-lived child (a server started by a test) inherits
    /// every descriptor other threads opened without close-on-exec at that moment — e.g. the pipe of a process
    /// another test reads to its end, which then never sees end of file.
    private static func closeInheritedDescriptors(_ actions: inout posix_spawn_file_actions_t) {
        typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = closeFromSymbol else { return }
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
    }

    /// Looked up once; immutable (`nonisolated(unsafe)` only because a raw pointer is not `Sendable`).
    private nonisolated(unsafe) static let closeFromSymbol = dlsym(
        UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")

    public var isRunning: Bool {
        condition.lock()
        defer { condition.unlock() }
        return status == nil
    }

    /// The exit status once the child has ended (128 + N when killed by signal N).
    public var exitStatus: Int32? {
        condition.lock()
        defer { condition.unlock() }
        return status
    }

    public func signal(_ number: Int32) { if isRunning { _ = Glibc.kill(pid, number) } }

    /// Waits for the child to end, up to `timeout` seconds; nil if it is still running.
    public func wait(timeout: Double = .infinity) async -> Int32? {
        await onOwnThread("child-wait") { [self] in waitBlocking(timeout: timeout) }
    }

    public func waitBlocking(timeout: Double = .infinity) -> Int32? {
        condition.lock()
        defer { condition.unlock() }
        if !timeout.isFinite {
            while status == nil { condition.wait() }
            return status
        }
        let deadline = Date().addingTimeInterval(timeout)
        while status == nil, condition.wait(until: deadline) {}
        return status
    }

    /// Reads what is available from `handle` (blocking until something is), retrying when a signal interrupts the
    /// read (Foundation's `availableData` traps on EINTR); empty at end of file.
    public static func read(_ handle: FileHandle, upTo count: Int = 65_536) -> Data {
        var buffer = [UInt8](repeating: 0, count: count)
        while true {
            let got = buffer.withUnsafeMutableBytes { Glibc.read(handle.fileDescriptor, $0.baseAddress, count) }
            if got >= 0 { return Data(buffer[0..<got]) }
            if errno != EINTR { return Data() }
        }
    }

    /// Reads one line (without its newline) from `handle`, a byte at a time so nothing after it is consumed;
    /// empty at end of file.
    public static func readLine(_ handle: FileHandle) -> String {
        var line: [UInt8] = []
        while true {
            let byte = read(handle, upTo: 1)
            guard let first = byte.first, first != 0x0A else { return String(decoding: line, as: UTF8.self) }
            line.append(first)
        }
    }

    /// Reads `handle` to its end (see ``read(_:upTo:)``).
    public static func readToEnd(_ handle: FileHandle) -> Data {
        var all = Data()
        while true {
            let chunk = read(handle)
            if chunk.isEmpty { return all }
            all.append(chunk)
        }
    }

    /// Kills the child (SIGKILL) if it still runs and reaps it.
    public func kill() {
        signal(SIGKILL)
        _ = waitBlocking()
    }
}
