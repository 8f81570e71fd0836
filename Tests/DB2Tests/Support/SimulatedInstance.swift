import AgentSupport
import DB2
import Foundation
import Logging
import TestSupport

/// A db2sim instance home in a temporary directory with a ``DB2Manager`` on it: `<root>/home` is the instance home,
/// `<root>/home/db2inst1` the mount point (DB2's local database directory, as on a Trove guest), `<root>/state` the
/// agent's `state_dir`.
///
/// The instance owner is the user running the tests, or (``Owner/temporaryAccount``, the tests running as root) an
/// OS account made for the test that owns the instance home, as on a guest where the agent is root and the owner is
/// not: DB2's tools then run as that account.
final class SimulatedInstance: Sendable {
    enum Owner {
        /// The user running the tests.
        case testUser
        /// A new OS account (uid >= 1000), removed afterwards; needs root.
        case temporaryAccount
    }

    let root: URL
    let home: String
    let manager: DB2Manager
    /// The instance owner's OS account when it was made for the test.
    let ownerAccount: OSAccount?

    var mountPoint: String { "\(home)/db2inst1" }
    var stateDirectory: String { root.appendingPathComponent("state").path }

    /// Installs a fresh instance and runs `body` with it; afterwards stops it (`db2stop force`) and removes it.
    static func with<T>(
        strategy: DB2ManagerConfiguration.BackupStrategy = .online, commandTimeout: Duration = .seconds(60),
        start: Bool = true, owner: Owner = .testUser, _ body: (SimulatedInstance) async throws -> T
    ) async throws -> T {
        let instance = try await SimulatedInstance(strategy: strategy, commandTimeout: commandTimeout, owner: owner)
        do {
            if start { try await instance.manager.start() }
            let result = try await body(instance)
            await instance.remove()
            return result
        } catch {
            await instance.remove()
            throw error
        }
    }

    init(strategy: DB2ManagerConfiguration.BackupStrategy, commandTimeout: Duration, owner: Owner = .testUser)
        async throws
    {
        root = try makeTemporaryDirectory(prefix: "db2mgr")
        home = root.appendingPathComponent("home").path
        _ = try await DB2SimulatorInstall(root: root)
        try FileManager.default.createDirectory(atPath: "\(home)/db2inst1", withIntermediateDirectories: true)
        var ownerName = NSUserName()
        if owner == .temporaryAccount {
            ownerName = uniqueLogin()
            try await succeedRunning(
                "/usr/sbin/useradd", ["--no-create-home", "--home-dir", home, "--shell", "/bin/sh", ownerName])
            try await succeedRunning("/bin/chown", ["-R", "\(ownerName):", home])
            ownerAccount = OSAccount.lookup(ownerName)
        } else {
            ownerAccount = nil
        }
        let configuration = DB2ManagerConfiguration(
            instanceOwner: ownerName, instanceHome: home, mountPoint: "\(home)/db2inst1", backupStrategy: strategy,
            volumeSupport: false, commandTimeout: commandTimeout, backupTimeout: .seconds(120),
            restoreTimeout: .seconds(120), stateChangeWaitTime: .seconds(30), stateChangePollTime: .milliseconds(100),
            stateDirectory: root.appendingPathComponent("state").path)
        var logger = Logger(label: "db2-test")
        logger.logLevel = .warning
        manager = try DB2Manager(configuration: configuration, logger: logger)
    }

    static func simulator() throws -> String { try DB2SimulatorInstall.simulator() }

    /// Runs a shell script with the instance's DB2 environment (the test's own CLP back-end: the shell).
    func shell(_ script: String) async throws -> ProcessResult {
        let environment = try await manager.executor.environment()
        return try await ProcessRunner.run("/bin/sh", ["-c", script], environment: environment)
    }

    /// Runs a shell script and fails unless it exits 0; returns its output.
    @discardableResult
    func succeed(_ script: String) async throws -> String {
        let result = try await shell(script)
        guard result.succeeded else { throw Failure("script failed (\(result.status)): \(script)\n\(result.stdout)\(result.stderr)") }
        return result.stdout
    }

    /// `db2sim fault ...` for this instance.
    func fault(_ arguments: [String]) async throws {
        let environment = try await manager.executor.environment()
        let result = try await ProcessRunner.run(try Self.simulator(), ["fault"] + arguments, environment: environment)
        guard result.succeeded else { throw Failure("db2sim fault \(arguments) failed: \(result.stdout) \(result.stderr)") }
    }

    /// The number in the first row of `SELECT COUNT(*) ...` on `database`.
    func count(_ table: String, in database: String) async throws -> Int {
        let output = try await succeed("db2 connect to \(database) >/dev/null && db2 -x \"select count(*) from \(table)\"")
        guard let value = Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Failure("not a count: \(output)")
        }
        return value
    }

    func remove() async {
        // As the test's user with the profile sourced, not through the manager: nothing runs as a temporary owner.
        _ = try? await ProcessRunner.run(
            "/bin/sh",
            ["-c", ". \"$1\" >/dev/null 2>&1; db2sim fault clear >/dev/null 2>&1; db2stop force >/dev/null 2>&1", "sh",
             "\(home)/sqllib/db2profile"])
        await manager.shutDown()
        try? FileManager.default.removeItem(at: root)
        if let ownerAccount { await removeTestAccount(ownerAccount.name) }
    }
}

/// A user name no other test or account uses.
func uniqueLogin() -> String { "t" + UUID().uuidString.lowercased().filter { $0.isLetter || $0.isNumber }.prefix(9) }

/// Removes an OS account a test created, whatever happened.
func removeTestAccount(_ login: String) async {
    _ = try? await ProcessRunner.run("/usr/sbin/userdel", ["-r", login])
}

/// Removes OS accounts a test created, at once (for a `defer`, which cannot await).
func removeTestAccountsNow(_ logins: String...) {
    for login in logins {
        _ = try? Process.run(URL(fileURLWithPath: "/usr/sbin/userdel"), arguments: ["-r", login]).waitUntilExit()
    }
}

/// Runs a program and fails unless it exits 0.
func succeedRunning(_ executable: String, _ arguments: [String]) async throws {
    let result = try await ProcessRunner.run(executable, arguments)
    guard result.succeeded else {
        throw Failure("\(executable) \(arguments.joined(separator: " ")) failed: \(result.stdout) \(result.stderr)")
    }
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Waits until `condition` holds, checking every 50 ms; fails after `timeout` seconds.
func waitUntil(_ what: String, timeout: Double = 30, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw Failure("timed out after \(timeout) s waiting until \(what)")
}
