import AgentSupport
import Foundation
import OsloRPC
import Testing
import TestSupport

extension BackupIntegration {
    /// `trove-db2-agent verify` as an operator runs it on a guest, with the agent's own configuration files and a
    /// token in the environment: against a full backup and two deltas taken through Trove's `parent` (real Swift,
    /// the DB2 stand-in's incremental images and db2ckbkp), then with one byte flipped in the middle backup.
    @Suite(.needsServices) struct VerifyCommandTests {
        @Test func verifyHoldsForAFullAndTwoDeltasThenNamesTheMiddleBackupWhoseSegmentHasAFlippedByte() async throws {
            try await BackupTestSession.run { session in
                let source = try await session.preparedInstance()
                try await session.insertRows(100, into: "SAMPLE", of: source)
                let (token, storageURL) = try await session.swift.authenticate()
                let context = session.swift.context(token: token, storageURL: storageURL)
                var backups: [(id: String, location: String, checksum: String)] = []
                var parent: JSONValue = nil
                for number in 1...3 {
                    if number == 2 {
                        // The middle backup carries enough new data to be several segments.
                        try await session.insertIncompressibleRows(3, into: "SAMPLE", of: source)
                    } else if number == 3 {
                        try await session.insertRows(50, into: "SAMPLE", of: source)
                    }
                    let (id, end) = try await session.backup(source, context: context, parent: parent)
                    guard end["state"] == "COMPLETED", let location = end["location"]?.stringValue,
                        let checksum = end["checksum"]?.stringValue
                    else { throw BackupTestFailure("backup \(number) did not complete: \(end)") }
                    backups.append((id, location, checksum))
                    parent = BackupTestSession.parent(end)
                }
                // Rows committed after the last backup: a restore by verify would lose them.
                try await session.insertRows(7, into: "SAMPLE", of: source)
                let rows = try await source.ids(in: "ROWS", database: "SAMPLE")
                let configuration = try await source.succeed("db2 get db cfg for SAMPLE")

                // A later --config-file wins: a damaged segment is not retried for the default minute.
                let override = source.root.appendingPathComponent("verify.conf")
                try "[DEFAULT]\nstorage_retry_timeout = 2\n".write(to: override, atomically: true, encoding: .utf8)
                func verify() async throws -> (result: ProcessResult, lines: [String]) {
                    let result = try await ProcessRunner.run(
                        try TestEnvironment.binDirectory().appendingPathComponent("trove-db2-agent").path,
                        ["verify"] + (source.daemon.configFiles + [override]).flatMap { ["--config-file", $0.path] }
                            + ["--backup", backups[2].location, "--checksum", backups[2].checksum],
                        environment: ["OS_AUTH_TOKEN": token])
                    return (result, result.stdout.split(separator: "\n").map(String.init))
                }

                let (held, lines) = try await verify()
                #expect(held.status == 0, "\(held.stdout)\n\(held.stderr)")
                #expect(lines.count == 4, "one line per object, then the verdict: \(lines)")
                for (line, backup) in zip(lines, backups.reversed()) {
                    #expect(line.hasPrefix("OK") && line.contains(backup.location), "\(line)")
                }
                if lines.count == 4 {
                    #expect(lines[0].contains("[delta]") && lines[1].contains("[delta]") && lines[2].contains("[full]"), "\(lines)")
                    #expect(lines.prefix(3).allSatisfy { $0.contains("SAMPLE") })
                    #expect(lines[3].hasPrefix("verdict: OK"), "\(lines[3])")
                }
                #expect(!held.stdout.contains(token) && !held.stderr.contains(token), "the token is never printed")

                // Nothing was written to the instance, and nothing is left on disk.
                #expect(try await source.ids(in: "ROWS", database: "SAMPLE") == rows)
                #expect(try await source.succeed("db2 get db cfg for SAMPLE") == configuration)
                let left = try FileManager.default.contentsOfDirectory(atPath: source.mountPoint)
                #expect(!left.contains { $0.hasPrefix("trove-db2-verify-") }, "the work directory is removed: \(left)")

                // One byte flipped in a segment of the middle backup: its manifest (and so its checksum) unchanged.
                let segments = try await session.storedObjects(of: backups[1].id).filter { $0.contains("_") }
                #expect(segments.count > 1, "the middle backup is a static large object: \(segments)")
                let segment = try #require(segments.last)
                try await session.swift.flipByte(container: session.container, object: segment)

                let (broken, brokenLines) = try await verify()
                #expect(broken.status == 1, "\(broken.stdout)\n\(broken.stderr)")
                #expect(brokenLines.count == 4, "\(brokenLines)")
                if brokenLines.count == 4 {
                    #expect(brokenLines[0].hasPrefix("OK") && brokenLines[0].contains(backups[2].location))
                    #expect(brokenLines[1].hasPrefix("FAILED") && brokenLines[1].contains(backups[1].location)
                            && brokenLines[1].contains(segment) && brokenLines[1].contains("corrupt"), "\(brokenLines[1])")
                    #expect(brokenLines[2].hasPrefix("OK") && brokenLines[2].contains(backups[0].location))
                    #expect(brokenLines[3].hasPrefix("verdict: FAILED") && brokenLines[3].hasSuffix(backups[1].location),
                            "\(brokenLines[3])")
                }
                #expect(try await source.ids(in: "ROWS", database: "SAMPLE") == rows)
            }
        }
    }
}
