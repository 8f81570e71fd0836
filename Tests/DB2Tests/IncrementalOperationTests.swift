import AgentSupport
import DB2
import Foundation
import Testing
import TestSupport

/// What incremental backups need from DB2, against db2sim: change tracking, the recovery history, incremental and
/// delta images, Db2's refusal and the full image taken instead, and the manual incremental restore.
@Suite(.needsServices) struct IncrementalOperationTests {
    @Test func historyRecordsEveryBackupAndADeltaChainRestoresInDb2sOrder() async throws {
        try await SimulatedInstance.with { source in
            let name = try DatabaseName("ORDERS")
            try await source.manager.createDatabases([name])
            _ = try await source.manager.ensureRecoverable()
            #expect(try await source.manager.ensureChangeTracking(of: name), "TRACKMOD is YES by default on 11.5.4+")
            try await source.succeed("db2 connect to ORDERS && db2 \"create table t (id integer not null)\" && db2 \"insert into t values (1), (2)\"")
            let directory = "\(source.root.path)/backup"
            let full = try await source.manager.onlineBackup(of: name, to: directory + "/full", kind: .full)
            try await source.succeed("db2 connect to ORDERS && db2 \"insert into t values (3)\"")
            let delta = try await source.manager.onlineBackup(of: name, to: directory + "/delta", kind: .delta)
            #expect(delta.kind == .delta && delta.fullBecause == nil)
            try await source.succeed("db2 connect to ORDERS && db2 \"insert into t values (4)\"")
            let incremental = try await source.manager.onlineBackup(of: name, to: directory + "/inc", kind: .incremental)
            try await source.manager.verifyImage(incremental)

            let history = try await source.manager.backupHistory(of: name)
            // The first entry is the backup to /dev/null that made the database recoverable.
            #expect(history.map(\.kind) == [.full, .full, .delta, .incremental], "\(history)")
            #expect(Array(history.map(\.timestamp).suffix(3)) == [full.timestamp, delta.timestamp, incremental.timestamp])
            #expect(history.first?.location == "/dev/null" && history.dropFirst().allSatisfy(\.online))
            #expect(history.lastBackup?.timestamp == incremental.timestamp)
            #expect(history.lastFullBackup?.timestamp == full.timestamp)

            try await SimulatedInstance.with { target in
                // Target, full, target: the cumulative incremental needs only the full image.
                try await target.manager.restoreIncremental(
                    incremental, chain: [full], online: true, logDirectory: "\(target.root.path)/logs")
                #expect(try await target.count("t", in: "ORDERS") == 4)
            }
            try await SimulatedInstance.with { target in
                // A missing link: Db2 refuses, the sequence is aborted, the database is not usable.
                await #expect(throws: DB2Error.self) {
                    try await target.manager.restoreIncremental(
                        delta, chain: [], online: true, logDirectory: "\(target.root.path)/logs")
                }
                await #expect(throws: DB2Error.self) {
                    try await target.manager.restoreIncremental(
                        incremental, chain: [delta], online: true, logDirectory: "\(target.root.path)/logs2")
                }
                let connect = try await target.shell("db2 connect to ORDERS")
                #expect(!connect.succeeded, "left restore pending: \(connect.stdout)")
            }
        }
    }

    @Test func anIncrementalDb2RefusesIsTakenFullAndSaysWhy() async throws {
        try await SimulatedInstance.with { source in
            let name = try DatabaseName("HR")
            try await source.manager.createDatabases([name])
            _ = try await source.manager.ensureRecoverable()
            try await source.succeed("db2 update db cfg for HR using TRACKMOD NO")
            #expect(try await source.manager.ensureChangeTracking(of: name) == false, "it was off: turned on now")
            #expect(try await source.manager.databaseConfiguration(name)[parameter: "TRACKMOD"] == "YES")
            // No full backup since TRACKMOD took effect: Db2 refuses (SQL2426N) and a full image is taken.
            let image = try await source.manager.onlineBackup(of: name, to: "\(source.root.path)/backup", kind: .delta)
            #expect(image.kind == .full)
            #expect(image.fullBecause?.contains("SQL2426N") == true, "\(image.fullBecause ?? "nil")")
            let after = try await source.manager.onlineBackup(of: name, to: "\(source.root.path)/backup2", kind: .delta)
            #expect(after.kind == .delta && after.fullBecause == nil, "with a full as baseline, a delta is taken")
        }
    }
}
