import AgentSupport
import Foundation
import OsloRPC
import Testing
import TestSupport

extension BackupIntegration {
    /// Log shipping and restores to a point in time, end to end: the agent ships each log the DB2 stand-in archives
    /// to a real Swift while a writer commits numbered rows (each acknowledged with the time its insert returned),
    /// and fresh guests restore through `prepare` with `restore_until`, or through a marker object.
    @Suite(.needsServices) struct PointInTimeRestoreTests {
        static let shipping = ["db2": ["log_shipping": "True", "log_ship_interval": "10"]]

        /// `2026-12-07T06:10:00.123456Z`.
        static func iso(_ seconds: Double) -> String {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            formatter.timeZone = TimeZone(identifier: "UTC")
            return formatter.string(from: Date(timeIntervalSince1970: seconds))
        }

        /// The shipped logs of `guest`'s `database`: object name → archive time (Unix seconds).
        private func shippedLogs(_ session: BackupTestSession, guest: String, database: String) async throws -> [String: Double] {
            var logs: [String: Double] = [:]
            for name in try await session.swift.list(container: session.container)
            where name.hasPrefix("db2logs/\(guest)/\(database)/") {
                let metadata = try await session.swift.metadata(container: session.container, object: name)
                if let text = metadata["db2-log-archived-at"] {
                    let formatter = ISO8601DateFormatter()
                    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
                    if let date = formatter.date(from: text) { logs[name] = date.timeIntervalSince1970 }
                }
            }
            return logs
        }

        private func restore(
            _ session: BackupTestSession, _ id: String, _ end: [String: JSONValue], until: String?,
            context: [String: JSONValue]
        ) async throws -> (status: String, guest: BackupTestInstance) {
            let target = try await session.instance()
            try await target.start()
            var info = BackupTestSession.restoreInfo(id, end, for: target)
            if let until, case .object(var fields) = info {
                fields["restore_until"] = .string(until)
                info = .object(fields)
            }
            let status = try await target.prepare(
                databases: [], backupInfo: info, context: context, conductor: session.conductor)
            return (status, target)
        }

        @Test func restoresToFiveTimesAndToTheEndOfTheLogsHoldExactlyTheRowsCommittedByThen() async throws {
            try await BackupTestSession.run { session in
                let source = try await session.preparedInstance(config: Self.shipping)
                let context = try await session.context()
                let writer = try source.startWriter(database: "SAMPLE", table: "ROWS")
                try await waitFor("the writer commits rows") { writer.acknowledged >= 30 }
                let backup = try await session.backup(source, context: context)
                #expect(backup.end["state"] == "COMPLETED", "\(backup.end)")
                let endedAt = Date().timeIntervalSince1970
                let meta = try await session.swift.metadata(container: session.container, object: "\(backup.id).gz.enc")
                #expect(meta["db2-guest"] == source.guestID && meta["db2-logs"]?.hasPrefix("SAMPLE=C0000000/") == true, "\(meta)")

                // The writer goes on across several ship intervals: ARCHIVE LOG closes a log every 10 s.
                try await waitFor("logs shipped while the writer runs", timeout: 120) {
                    let logs = try await shippedLogs(session, guest: source.guestID, database: "SAMPLE")
                    return logs.values.filter { $0 > endedAt }.count >= 3
                }
                let total = await writer.stop()
                #expect(writer.errors.isEmpty, "the writer was never refused: \(writer.errors)")
                let stoppedAt = Date().timeIntervalSince1970
                try await waitFor("the last rows shipped once the interval passed", timeout: 90) {
                    let logs = try await shippedLogs(session, guest: source.guestID, database: "SAMPLE")
                    return logs.values.contains { $0 > stoppedAt }
                }
                let logs = try await shippedLogs(session, guest: source.guestID, database: "SAMPLE")
                #expect(logs.keys.allSatisfy { $0.hasSuffix(".LOG.gz.enc") })
                let archive = source.mountPoint + "/ArchiveLogs"
                let left = (FileManager.default.enumerator(atPath: archive)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".LOG") }
                #expect(left.isEmpty, "each archived log is deleted once shipped: \(left)")

                // Five points between the end of the backup and the last shipped log.
                let times = writer.acknowledgedAt
                let lastShipped = logs.values.max() ?? 0
                let candidates = times.filter { $0.value > endedAt + 1 && $0.value < lastShipped - 1 }.keys.sorted()
                try #require(candidates.count >= 5, "rows committed after the backup: \(candidates.count)")
                let picks = (0..<5).map { candidates[$0 * (candidates.count - 1) / 4] }
                for row in picks {
                    let until = Self.iso(try #require(times[row]))
                    let (status, guest) = try await restore(session, backup.id, backup.end, until: until, context: context)
                    #expect(status == "running", "restore to \(until)")
                    #expect(try await guest.ids(in: "ROWS", database: "SAMPLE") == Array(1...row), "restored to \(until)")
                    #expect(await guest.daemon.stop() == 0)
                }
                let (status, guest) = try await restore(session, backup.id, backup.end, until: "end-of-logs", context: context)
                #expect(status == "running")
                #expect(try await guest.ids(in: "ROWS", database: "SAMPLE") == Array(1...total), "every committed row")
                try await guest.checkUsable("SAMPLE", table: "ROWS")

                // A marker object, as Trove Wallaby+ imports one with `backup create --restore-from`.
                let row = picks[2]
                let markerName = "pitr-\(UUID().uuidString.prefix(8)).marker"
                let etag = try await session.swift.swiftclient(
                    """
                    from swiftclient import client
                    url, token = client.get_auth(AUTH, USER, KEY)
                    print(client.put_object(url, token, ARGS[0], ARGS[1], b'{"note": "point-in-time marker"}', headers={
                        "X-Object-Meta-parent-location": ARGS[2], "X-Object-Meta-parent-checksum": ARGS[3],
                        "X-Object-Meta-db2-pitr-target": ARGS[4]}))
                    """,
                    [session.container, markerName, backup.end["location"]?.stringValue ?? "", backup.end["checksum"]?.stringValue ?? "",
                     Self.iso(try #require(times[row]))])
                let (_, storageURL) = try await session.swift.authenticate()
                let target = try await session.instance()
                try await target.start()
                let markerStatus = try await target.prepare(
                    databases: [],
                    backupInfo: [
                        "id": "marker", "instance_id": .string(target.guestID),
                        "location": .string("\(storageURL)/\(session.container)/\(markerName)"), "type": "incremental",
                        "checksum": .string(etag),
                    ], context: context, conductor: session.conductor)
                #expect(markerStatus == "running")
                #expect(try await target.ids(in: "ROWS", database: "SAMPLE") == Array(1...row), "the marker's time")
            }
        }

        @Test func theOperatorsRoutesWorkAndPointsTheLogsCannotReachAreRefusedBeforeAnythingIsRestored() async throws {
            try await BackupTestSession.run { session in
                let source = try await session.preparedInstance(config: Self.shipping)
                let context = try await session.context()
                try await session.insertRows(50, into: "SAMPLE", of: source)
                let startedAt = Date().timeIntervalSince1970
                let backup = try await session.backup(source, context: context)
                var afterSecondBatch = 0.0
                for batch in 0..<3 {
                    let values = (1...20).map { "(\(100 + batch * 20 + $0))" }.joined(separator: ",")
                    try await source.succeed("db2 connect to SAMPLE >/dev/null && db2 \"insert into ROWS values \(values)\" >/dev/null")
                    let before = try await shippedLogs(session, guest: source.guestID, database: "SAMPLE").count
                    try await waitFor("a log shipped after batch \(batch)", timeout: 90) {
                        try await shippedLogs(session, guest: source.guestID, database: "SAMPLE").count > before
                    }
                    if batch == 1 { afterSecondBatch = Date().timeIntervalSince1970 }
                }
                let expected = Array(1...50) + Array(101...140)
                let logs = try await shippedLogs(session, guest: source.guestID, database: "SAMPLE")
                let last = logs.values.max() ?? 0

                for (until, says) in [
                    (Self.iso(startedAt - 60), "before the end of the backup"),
                    (Self.iso(last + 3600), "after the last shipped log"),
                ] {
                    let (status, guest) = try await restore(session, backup.id, backup.end, until: until, context: context)
                    #expect(status == "failed to spawn", "restore to \(until)")
                    #expect(guest.daemon.logText.contains(says), "the refusal says \(says)")
                    #expect(!(try await guest.shell("db2 connect to SAMPLE")).succeeded, "nothing was restored")
                }

                // The operator's route on a guest: `restore --until`, and a marker `pitr-marker` stores for Trove.
                let token = try #require(context["auth_token"]?.stringValue)
                let binary = try TestEnvironment.binDirectory().appendingPathComponent("trove-db2-agent").path
                let location = try #require(backup.end["location"]?.stringValue)
                let checksum = try #require(backup.end["checksum"]?.stringValue)
                // A running guest (its instance started by prepare), where the operator restores by hand.
                let operatorGuest = try await session.preparedInstance(databases: [])
                let restored = try await ProcessRunner.run(
                    binary,
                    ["restore"] + operatorGuest.daemon.configFiles.flatMap { ["--config-file", $0.path] }
                        + ["--backup", location, "--checksum", checksum, "--until", Self.iso(afterSecondBatch)],
                    environment: ["OS_AUTH_TOKEN": token])
                #expect(restored.status == 0, "\(restored.stdout)\n\(restored.stderr)")
                #expect(try await operatorGuest.ids(in: "ROWS", database: "SAMPLE") == expected)
                let marked = try await ProcessRunner.run(
                    binary,
                    ["pitr-marker"] + source.daemon.configFiles.flatMap { ["--config-file", $0.path] }
                        + ["--backup", location, "--checksum", checksum, "--until", Self.iso(afterSecondBatch)],
                    environment: ["OS_AUTH_TOKEN": token])
                #expect(marked.status == 0, "\(marked.stdout)\n\(marked.stderr)")
                let fields = Dictionary(
                    marked.stdout.split(separator: "\n").compactMap { line -> (String, String)? in
                        guard let colon = line.firstIndex(of: ":") else { return nil }
                        return (String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
                    }, uniquingKeysWith: { first, _ in first })
                let markerGuest = try await session.instance()
                try await markerGuest.start()
                let markerStatus = try await markerGuest.prepare(
                    databases: [],
                    backupInfo: [
                        "id": "marker", "instance_id": .string(markerGuest.guestID),
                        "location": .string(try #require(fields["marker"])), "type": "incremental",
                        "checksum": .string(try #require(fields["checksum"])),
                    ], context: context, conductor: session.conductor)
                #expect(markerStatus == "running")
                #expect(try await markerGuest.ids(in: "ROWS", database: "SAMPLE") == expected)

                // A middle log deleted from the store: refused, naming it.
                let middle = logs.sorted { $0.value < $1.value }[1].key
                _ = try await session.swift.swiftclient(
                    """
                    from swiftclient import client
                    url, token = client.get_auth(AUTH, USER, KEY)
                    client.delete_object(url, token, ARGS[0], ARGS[1])
                    """, [session.container, middle])
                let (status, guest) = try await restore(session, backup.id, backup.end, until: "end-of-logs", context: context)
                #expect(status == "failed to spawn")
                #expect(guest.daemon.logText.contains(String(middle.split(separator: "/").last ?? "")), "names \(middle)")
            }
        }

        @Test func shippedLogsAreKeptForTheBackupsThatNeedThemAndNoLonger() async throws {
            try await BackupTestSession.run { session in
                let source = try await session.preparedInstance(config: Self.shipping)
                let context = try await session.context()
                func shipped() async throws -> [Int] {
                    try await shippedLogs(session, guest: source.guestID, database: "SAMPLE").keys.compactMap { name in
                        name.split(separator: "/").last.flatMap { Int($0.dropFirst().prefix(7)) }
                    }.sorted()
                }
                func writeAndShip(_ rows: ClosedRange<Int>) async throws {
                    let before = try await shipped().count
                    let values = rows.map { "(\($0))" }.joined(separator: ",")
                    try await source.succeed("db2 connect to SAMPLE >/dev/null && db2 \"insert into ROWS values \(values)\" >/dev/null")
                    try await waitFor("a log shipped", timeout: 90) { try await shipped().count > before }
                }
                let first = try await session.backup(source, context: context)
                try await writeAndShip(1...10)
                try await writeAndShip(11...20)
                let second = try await session.backup(source, context: context)
                try await writeAndShip(21...30)
                let meta = try await session.swift.metadata(container: session.container, object: "\(second.id).gz.enc")
                let position = try #require(meta["db2-logs"]?.split(separator: "/").dropFirst().first?.split(separator: "@").first)
                let floor = try #require(Int(position))
                let beforeDeletion = try await shipped()
                #expect(beforeDeletion.contains { $0 < floor }, "logs the first backup needs are kept while it exists: \(beforeDeletion)")

                // Trove deletes the first backup: the next backup's retention pass drops the logs only it needed.
                _ = try await session.swift.swiftclient(
                    """
                    from swiftclient import client
                    url, token = client.get_auth(AUTH, USER, KEY)
                    client.delete_object(url, token, ARGS[0], ARGS[1], query_string="multipart-manifest=delete")
                    """, [session.container, "\(first.id).gz.enc"])
                _ = try await session.backup(source, context: context)
                try await waitFor("the logs only the deleted backup needed are removed", timeout: 60) {
                    try await shipped().allSatisfy { $0 >= floor }
                }
                let kept = try await shipped()
                #expect(kept.contains(floor) || kept.contains { $0 > floor }, "the logs the second backup needs stay: \(kept)")
                let (status, guest) = try await restore(session, second.id, second.end, until: "end-of-logs", context: context)
                #expect(status == "running")
                #expect(try await guest.ids(in: "ROWS", database: "SAMPLE") == Array(1...30), "the second backup still rolls forward")
            }
        }

        @Test func aKillMidShippingLosesNoLogAndShipsNoneTwice() async throws {
            try await BackupTestSession.run { session in
                let source = try await session.preparedInstance(config: Self.shipping)
                let context = try await session.context()
                _ = try await session.backup(source, context: context)
                for point in ["ship:packed", "ship:stored", "ship:journaled"] {
                    _ = await source.daemon.stop()
                    try await source.start(environment: ["TROVE_DB2_AGENT_TEST_HOOKS": "1", "TROVE_DB2_AGENT_CRASH_AT": point])
                    // The shipper kept the store's account from the backup; rows written now are archived within the
                    // ship interval, and the agent dies shipping that log.
                    try await session.insertRows(10, into: "SAMPLE", of: source)
                    _ = try await source.daemon.waitForLog("crash point \(point) reached", timeout: 120)
                    #expect(await source.daemon.stop(signal: 0, timeout: 30) == 128 + SIGKILL, "the agent died at \(point)")
                    let spool = source.root.path + "/state/spool"
                    if point == "ship:packed" {
                        let left = (try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []
                        #expect(left.contains { $0.hasPrefix("log-") }, "the kill left a packed log in the spool: \(left)")
                    }
                    try await source.start()
                    try await waitFor("no packed log left in the spool (\(point))") {
                        ((try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []).allSatisfy { !$0.hasPrefix("log-") }
                    }
                    try await waitFor("every archived log shipped after the restart (\(point))", timeout: 90) {
                        let archive = source.mountPoint + "/ArchiveLogs"
                        let left = (FileManager.default.enumerator(atPath: archive)?.allObjects as? [String] ?? [])
                            .filter { $0.hasSuffix(".LOG") }
                        return left.isEmpty
                    }
                }
                let names = try await session.swift.list(container: session.container).filter { $0.hasPrefix("db2logs/") }
                let numbers = names.compactMap { name -> Int? in
                    guard let file = name.split(separator: "/").last, file.hasPrefix("S") else { return nil }
                    return Int(file.dropFirst().prefix(7))
                }.sorted()
                #expect(numbers == Array(Set(numbers)).sorted(), "no log shipped twice: \(names)")
                let chains = Set(names.map { $0.split(separator: "/").dropLast().joined(separator: "/") })
                #expect(chains.count == 1, "\(chains)")
                if let first = numbers.first, let last = numbers.last {
                    #expect(numbers == Array(first...last), "no log lost: \(numbers)")
                }
            }
        }
    }
}
