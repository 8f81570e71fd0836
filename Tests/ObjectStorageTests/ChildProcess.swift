import Foundation

/// A child process for tests, spawned with `posix_spawn` and reaped with `waitpid` on its own pid.
///
/// Foundation's `Process` on Linux can miss a child's exit when it is started and waited for from threads of our
/// own (its `waitUntilExit` then never returns); this helper has no such dependency. The child starts with no
/// signal blocked and default signal dispositions, whatever the spawning thread's mask. Its stdout is a pipe to
/// us; its stderr goes to a temporary file (read on failure).
final class ChildProcess: Sendable {
    let pid: pid_t
    private let stdoutDescriptor: Int32
    private let stderrPath: String

    /// Spawns `executable` with `arguments`.
    init(_ executable: String, _ arguments: [String]) throws {
        var pipeDescriptors: [Int32] = [0, 0]
        guard pipe(&pipeDescriptors) == 0 else { throw TestFailure("pipe: errno \(errno)") }
        let stderrPath = FileManager.default.temporaryDirectory.appendingPathComponent(
            "child-stderr-\(UUID().uuidString)").path

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeDescriptors[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addclose(&actions, pipeDescriptors[0])
        posix_spawn_file_actions_addclose(&actions, pipeDescriptors[1])

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

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        close(pipeDescriptors[1])
        guard status == 0 else {
            close(pipeDescriptors[0])
            throw TestFailure("cannot spawn \(executable): errno \(status)")
        }
        self.pid = pid
        self.stdoutDescriptor = pipeDescriptors[0]
        self.stderrPath = stderrPath
    }

    deinit {
        close(stdoutDescriptor)
        unlink(stderrPath)
    }

    /// Reads stdout up to the next newline (or its end).
    func readLine() -> String {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(stdoutDescriptor, &byte, 1) == 1, byte != UInt8(ascii: "\n") { line.append(byte) }
        return String(decoding: line, as: UTF8.self)
    }

    /// Reads stdout to its end.
    func readToEnd() -> String {
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(stdoutDescriptor, &buffer, buffer.count)
            if count > 0 {
                output += buffer[0..<count]
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                break
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Waits for the child to exit; returns its exit status (128 + signal when killed).
    @discardableResult
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// What the child wrote to stderr.
    var standardError: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Sends SIGTERM to the child.
    func terminate() { kill(pid, SIGTERM) }
}
