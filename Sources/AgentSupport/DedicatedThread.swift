#if canImport(Glibc)
import Glibc
#endif

/// Starts OS threads for long-lived blocking loops (an AMQP connection, a consumer of a C library's callbacks).
public enum DedicatedThread {
    private final class Start {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Starts a detached thread named `name` that runs `body` once and then ends.
    ///
    /// The thread's name shows in `top -H` and in crash reports (Linux keeps its first 15 bytes).
    public static func start(name: String, stackSize: Int = 1 << 20, _ body: @escaping @Sendable () -> Void) {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setstacksize(&attributes, stackSize)
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let context = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, &attributes, { raw in
            let start = Unmanaged<Start>.fromOpaque(raw!).takeRetainedValue()
            DedicatedThread.blockAsynchronousSignals()
            DedicatedThread.nameCurrentThread(start.name)
            start.body()
            return nil
        }, context)
        precondition(result == 0, "cannot start thread \(name): error \(result)")
    }

    /// Blocks every asynchronous signal in the calling thread, as Dispatch does for its worker threads: signals
    /// (SIGCHLD, SIGTERM, SIGHUP...) must reach the threads that wait for them (swift-subprocess's child monitor,
    /// Dispatch's signal sources), not a worker that would take SIGCHLD's default action and lose it.
    static func blockAsynchronousSignals() {
        var signals = sigset_t()
        sigfillset(&signals)
        for synchronous in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGABRT, SIGSYS] { sigdelset(&signals, synchronous) }
        pthread_sigmask(SIG_BLOCK, &signals, nil)
    }

    /// Names the calling thread (what `top -H` and `ps -L` show); Glibc's `pthread_setname_np` is not visible to
    /// Swift, so this writes `/proc/thread-self/comm` as it does.
    static func nameCurrentThread(_ name: String) {
        let fd = open("/proc/thread-self/comm", O_WRONLY)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// Sleeps the calling (blocking) thread.
    public static func sleep(seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) == -1, errno == EINTR { request = remaining }
    }
}
