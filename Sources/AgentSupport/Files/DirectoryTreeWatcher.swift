#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// inotify, owned: reports the regular files that become complete anywhere under a directory, as the kernel sees
/// them happen (a file closed after writing, `IN_CLOSE_WRITE`, or renamed into place, `IN_MOVED_TO`), with no
/// polling loop. A directory created below the root is watched as soon as it appears, and the files already in it
/// are reported (they may have been written before the watch was added); `IN_Q_OVERFLOW` (the kernel dropped
/// events) is reported as ``Event/rescan``, after which the caller lists the tree again.
///
/// Events are read on a dedicated thread, which `poll`s the inotify descriptor and a wake-up pipe, so ``stop()``
/// ends it at once; the descriptors are closed when it ends.
public final class DirectoryTreeWatcher: Sendable {
    public enum Event: Sendable, Equatable {
        /// A regular file at this path is complete.
        case fileCompleted(String)
        /// Events were lost: list the tree again.
        case rescan
    }

    /// What the watcher reports, until ``stop()``.
    public let events: AsyncStream<Event>
    private let continuation: AsyncStream<Event>.Continuation
    private let wake: WakeUpPipe
    private let stopped = Atomic<Bool>(false)

    /// Starts watching `root` (which must exist) and everything below it.
    ///
    /// - Throws: ``PathFailure`` when inotify or the root's watch cannot be set up.
    public init(root: String) throws(PathFailure) {
        let inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard inotify >= 0 else { throw PathFailure("start inotify on", root, code: errno) }
        guard let wake = WakeUpPipe() else {
            let code = errno
            close(inotify)
            throw PathFailure("create the wake-up pipe of the watcher of", root, code: code)
        }
        self.wake = wake
        let loop = WatchLoop(inotify: inotify, wake: wake)
        (events, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .unbounded)
        guard loop.watchTree(root, report: nil) else {
            let code = errno
            loop.closeAll()
            throw PathFailure("watch", root, code: code)
        }
        let continuation = self.continuation
        DedicatedThread.start(name: "dir-watch") { loop.run(continuation) }
    }

    /// Stops watching; the event stream ends.
    public func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        wake.signal()
    }

    deinit { stop() }
}

/// The watcher thread's state: only that thread touches it once it runs.
private final class WatchLoop: @unchecked Sendable {
    let inotify: Int32
    let wake: WakeUpPipe
    /// Watch descriptor → directory path.
    var directories: [Int32: String] = [:]

    static let directoryMask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE_SELF | IN_ONLYDIR)

    init(inotify: Int32, wake: WakeUpPipe) {
        self.inotify = inotify
        self.wake = wake
    }

    /// Watches `path` and every directory below it (at most 16 levels); with `report`, also reports the regular
    /// files found there. False when `path` itself cannot be watched.
    func watchTree(_ path: String, report: ((DirectoryTreeWatcher.Event) -> Void)?, depth: Int = 0) -> Bool {
        let descriptor = inotify_add_watch(inotify, path, Self.directoryMask | UInt32(IN_DONT_FOLLOW))
        guard descriptor >= 0 else { return false }
        directories[descriptor] = path
        guard depth < 16, let directory = opendir(path) else { return true }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name != ".", name != ".." else { continue }
            let child = path + "/" + name
            var info = stat()
            guard lstat(child, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: _ = watchTree(child, report: report, depth: depth + 1)
            case S_IFREG: report?(.fileCompleted(child))
            default: continue
            }
        }
        return true
    }

    func run(_ continuation: AsyncStream<DirectoryTreeWatcher.Event>.Continuation) {
        defer {
            closeAll()
            continuation.finish()
        }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            var fds = [
                pollfd(fd: inotify, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wake.readEnd, events: Int16(POLLIN), revents: 0),
            ]
            let ready = SystemCalls.retryingInterrupted { poll(&fds, 2, -1) }
            guard ready > 0, fds[1].revents == 0 else { return }
            let count = buffer.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) }
            guard count > 0 else {
                if count < 0, errno == EAGAIN || errno == EINTR { continue }
                return
            }
            handle(buffer[0..<count], continuation)
        }
    }

    /// Each `struct inotify_event` in `bytes`: wd, mask, cookie, len, then `len` bytes of NUL-padded name.
    private func handle(_ bytes: ArraySlice<UInt8>, _ continuation: AsyncStream<DirectoryTreeWatcher.Event>.Continuation) {
        var offset = bytes.startIndex
        let header = 16
        while offset + header <= bytes.endIndex {
            func word(_ at: Int) -> UInt32 {
                UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
            }
            let descriptor = Int32(bitPattern: word(offset))
            let mask = word(offset + 4)
            let length = Int(word(offset + 12))
            let nameStart = offset + header
            let nameEnd = min(bytes.endIndex, nameStart + length)
            let name = String(decoding: bytes[nameStart..<nameEnd].prefix { $0 != 0 }, as: UTF8.self)
            offset = nameEnd
            if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                continuation.yield(.rescan)
                continue
            }
            if mask & UInt32(IN_IGNORED) != 0 || mask & UInt32(IN_DELETE_SELF) != 0 {
                directories[descriptor] = nil
                continue
            }
            guard let directory = directories[descriptor], !name.isEmpty else { continue }
            let path = directory + "/" + name
            if mask & UInt32(IN_ISDIR) != 0 {
                if mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 {
                    _ = watchTree(path, report: { continuation.yield($0) })
                }
            } else if mask & UInt32(IN_CLOSE_WRITE | IN_MOVED_TO) != 0 {
                var info = stat()
                if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG { continuation.yield(.fileCompleted(path)) }
            }
        }
    }

    func closeAll() { close(inotify) }
}

/// A pipe whose write end wakes a `poll`: both ends live as long as anyone holding it, so a late ``signal()``
/// never writes into a descriptor number since reused.
private final class WakeUpPipe: Sendable {
    let readEnd: Int32
    let writeEnd: Int32

    init?() {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return nil }
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
        }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    func signal() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }
}
