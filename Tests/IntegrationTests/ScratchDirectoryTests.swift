import AgentSupport
import Foundation
import Testing
import TestSupport

/// The agent's directory of CLP job scripts (`$TMPDIR/trove-db2-agent-XXXXXX`) goes with the agent, and what agents
/// that were killed left behind goes at the next start (issue "Hostile input", row 19).
@Suite(.needsServices) struct ScratchDirectoryTests {
    @Test func theCLPScriptDirectoryIsRemovedAtExitAndStaleOnesAtStart() async throws {
        try await withTemporaryDirectory(prefix: "tmpdir") { temporary in
            let tmp = temporary.path
            let manager = FileManager.default
            // What an agent that was killed left: its directory, a script in it.
            let stale = "\(tmp)/trove-db2-agent-Stale1"
            try manager.createDirectory(atPath: stale, withIntermediateDirectories: false)
            try Data("LIST DATABASE DIRECTORY;\n".utf8).write(to: URL(fileURLWithPath: "\(stale)/job-1a2b3c.clp"))
            // Not the agent's to remove: another user's, a link (and what it points to), another name, and the
            // directory of an agent that is alive (it holds the lock).
            let otherUsers = "\(tmp)/trove-db2-agent-Other1"
            try manager.createDirectory(atPath: otherUsers, withIntermediateDirectories: false)
            #expect(chown(otherUsers, 65534, 65534) == 0)
            let target = "\(tmp)/kept-target"
            try manager.createDirectory(atPath: target, withIntermediateDirectories: false)
            try Data("keep".utf8).write(to: URL(fileURLWithPath: "\(target)/keep"))
            #expect(symlink(target, "\(tmp)/trove-db2-agent-Link01") == 0)
            try manager.createDirectory(atPath: "\(tmp)/trove-db2-agent-test-keep", withIntermediateDirectories: false)
            let live = "\(tmp)/trove-db2-agent-Live01"
            try manager.createDirectory(atPath: live, withIntermediateDirectories: false)
            let liveLock = open(live, O_RDONLY | O_DIRECTORY)
            defer { close(liveLock) }
            #expect(flock(liveLock, LOCK_EX) == 0)
            let planted = Set(try manager.contentsOfDirectory(atPath: tmp)).subtracting(["trove-db2-agent-Stale1"])
            let port = try TestEnvironment.amqpPort()

            let db2 = try await DB2SimulatorHome()
            try await db2.succeed("db2start")
            let daemon = try AgentDaemon(amqpPort: port, config: db2.config())
            try await daemon.start(environment: ["TMPDIR": tmp])
            let client = try await PythonPeer("client", url: PythonPeer.amqpURL(port: port), topic: daemon.topic)
            defer { client.stop() }
            func listDatabases() async throws {
                let listed = try await client.call("list_databases", ["limit": nil, "marker": nil, "include_marker": false])
                #expect(listed["result"] != nil, "\(listed)")
            }

            try await waitFor("the stale directory is removed") { !manager.fileExists(atPath: stale) }
            try await listDatabases()
            // While the agent runs: its own directory, the others untouched.
            let running = Set(try manager.contentsOfDirectory(atPath: tmp)).subtracting(planted)
            #expect(running.count == 1 && running.first?.hasPrefix("trove-db2-agent-") == true, "\(running)")
            #expect(manager.fileExists(atPath: "\(target)/keep"))

            // Another agent starting on the machine leaves the running agent's directory alone.
            let otherDB2 = try await DB2SimulatorHome()
            let other = try AgentDaemon(amqpPort: port, config: otherDB2.config())
            try await other.start(environment: ["TMPDIR": tmp])
            try await other.waitForLog("CLP script directories of ended agents removed")
            #expect(Set(try manager.contentsOfDirectory(atPath: tmp)).isSuperset(of: running))
            try await listDatabases()
            #expect(await other.stop() == 0)

            #expect(await daemon.stop() == 0)
            let after = Set(try manager.contentsOfDirectory(atPath: tmp))
            #expect(after == planted, "left after the agents ended: \(after.subtracting(planted))")
            #expect(manager.fileExists(atPath: "\(target)/keep"))
            #expect(manager.fileExists(atPath: otherUsers) && manager.fileExists(atPath: live))
            _ = try? await db2.shell("db2stop force")
        }
    }
}
