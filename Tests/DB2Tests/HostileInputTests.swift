import AgentSupport
@testable import DB2
import Foundation
import Testing
import TestSupport

/// What a hostile tenant (through Trove's API) or a hostile instance owner can make the DB2 manager do as root, and
/// may not (issue "Hostile input", rows 1, 2 and 10). Needs root, as CI runs the tests.
@Suite(.needsServices) struct HostileInputTests {
    /// Row 1: `delete_user` of a login whose OS account the agent did not make (the image's `ubuntu`, DB2's fenced
    /// user) revokes it in DB2 and leaves the account; only an account the agent created is removed.
    @Test func deleteUserRemovesOnlyTheOSAccountsTheAgentCreated() async throws {
        try await SimulatedInstance.with { instance in
            let (foreign, created) = (uniqueLogin(), uniqueLogin())
            defer { removeTestAccountsNow(foreign, created) }
            try await succeedRunning("/usr/sbin/useradd", ["-m", "-d", "/home/\(foreign)", foreign])
            let account = try #require(OSAccount.lookup(foreign))
            #expect(account.uid >= 1000)
            let databases = [try DatabaseName("APP1")]
            try await instance.manager.createDatabases(databases)
            // The account also holds DB2 authorities (an operator granted them, or a tenant asked grant_access).
            try await instance.manager.grantAccess(to: try UserName(foreign), on: databases)
            try await instance.manager.createUsers(
                [NewDatabaseUser(name: try UserName(created), password: Secret("Cr3ated-pw"), databases: databases)])

            try await instance.manager.deleteUser(try UserName(foreign))
            #expect(OSAccount.lookup(foreign) == account, "an OS account the agent did not create was removed")
            #expect(FileManager.default.fileExists(atPath: "/home/\(foreign)"))
            #expect(try await instance.manager.access(of: try UserName(foreign)).isEmpty)
            // Now DB2 knows it not: not found, and the account is still left alone.
            let again = await #expect(throws: DB2Error.self) { try await instance.manager.deleteUser(try UserName(foreign)) }
            #expect(again?.kind == .notFound)
            #expect(again?.description.contains("not created by this agent") == true)
            #expect(OSAccount.lookup(foreign) == account)

            try await instance.manager.deleteUser(try UserName(created))
            #expect(!OSAccount.exists(created))
            #expect(!FileManager.default.fileExists(atPath: "/home/\(created)"))
        }
    }

    /// Row 2: links the instance owner plants under the mount point (`ArchiveLogs`, `overrides`, a database's
    /// archived logs) to a directory of root's are not followed: that directory keeps its owner and mode and nothing
    /// is written into it or removed from it; the step fails naming the link.
    ///
    /// The steps are called as `create_database`, `prepare` and `update_overrides` call them, with DB2 not started:
    /// they are the agent's own file operations, and running DB2's tools as a non-root owner can still hang in
    /// glibc's `setgroups` (row 5 of the issue) until the spawn path is fixed.
    @Test func linksTheOwnerPlantsUnderTheMountPointAreNotFollowedByRoot() async throws {
        try await SimulatedInstance.with(start: false, owner: .temporaryAccount) { instance in
            let owner = try #require(instance.ownerAccount)
            func plant(_ name: String, to victim: String) throws -> String {
                let target = instance.root.appendingPathComponent(victim).path
                try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
                chmod(target, 0o755)
                #expect(symlink(target, name) == 0)
                #expect(lchown(name, owner.uid, owner.gid) == 0)
                return target
            }
            let archiveLogs = "\(instance.mountPoint)/ArchiveLogs"
            let victims = [
                try plant(archiveLogs, to: "etc-like-1"), try plant("\(instance.mountPoint)/overrides", to: "etc-like-2"),
            ]

            // create_database under DB2OnlineBackup, and prepare, give <mount>/ArchiveLogs to the owner.
            let archive = await #expect(throws: DB2Error.self) { try await instance.manager.ensureArchiveDirectory() }
            #expect(archive?.description.contains(archiveLogs) == true)
            #expect(archive?.description.contains("symbolic link") == true)
            // update_overrides and prepare store the overrides in <mount>/overrides.
            let overrides = await #expect(throws: DB2Error.self) {
                try await instance.manager.storeOverrides(["MON_HEAP_SZ": "150"])
            }
            #expect(overrides?.description.contains("\(instance.mountPoint)/overrides") == true)
            #expect(overrides?.description.contains("symbolic link") == true)
            for victim in victims {
                let attributes = try FileManager.default.attributesOfItem(atPath: victim)
                #expect(attributes[.ownerAccountID] as? Int == 0, "\(victim) was given to the owner")
                #expect(attributes[.groupOwnerAccountID] as? Int == 0)
                #expect(attributes[.posixPermissions] as? Int == 0o755, "\(victim) had its mode changed")
                #expect(try FileManager.default.contentsOfDirectory(atPath: victim).isEmpty, "root wrote into \(victim)")
            }

            // After an online backup, archived logs are removed under <mount>/ArchiveLogs/<instance>/<database>:
            // a link there leads nowhere either.
            #expect(unlink(archiveLogs) == 0)
            try FileManager.default.createDirectory(atPath: "\(archiveLogs)/db2inst1", withIntermediateDirectories: true)
            let logs = try plant("\(archiveLogs)/db2inst1/APP1", to: "etc-like-3")
            try FileManager.default.createDirectory(atPath: "\(logs)/NODE0000", withIntermediateDirectories: false)
            try Data("log".utf8).write(to: URL(fileURLWithPath: "\(logs)/NODE0000/S0000001.LOG"))
            let removed = try await instance.manager.removeArchivedLogs(
                of: try DatabaseName("APP1"), archivedBefore: Date().addingTimeInterval(60))
            #expect(removed.isEmpty)
            #expect(FileManager.default.fileExists(atPath: "\(logs)/NODE0000/S0000001.LOG"))
        }
    }

    /// Row 10: `prepare`'s `mount_point` must be absolute, normalised and not a system directory; anything else is
    /// refused before anything runs (nothing created, nothing given to the owner), with a message naming it.
    @Test func prepareRefusesAMountPointThatIsRelativeNotNormalisedOrASystemDirectory() async throws {
        try await SimulatedInstance.with(start: false) { instance in
            let root = instance.root.path
            let relative = ".build/mount-point-test-\(UUID().uuidString.prefix(8))"
            defer { try? FileManager.default.removeItem(atPath: relative) }
            let refused: [(path: String, createdAt: String?, says: String)] = [
                (relative, relative, "absolute"),
                ("\(root)/inside/../escaped", "\(root)/escaped", "normalised"),
                ("\(root)//double", nil, "normalised"),
                ("\(root)/trailing/", nil, "normalised"),
                ("/", nil, "system directory"),
                ("/etc", nil, "system directory"),
            ]
            for (path, createdAt, says) in refused {
                let error = await #expect(throws: DB2Error.self, "\(path)") {
                    try await instance.manager.prepare(PrepareRequest(mountPoint: path))
                }
                #expect(error?.kind == .invalidRequest, "\(path): \(String(describing: error))")
                #expect(error?.description.contains("mount_point") == true, "\(path)")
                #expect(error?.description.contains(says) == true, "\(path): \(String(describing: error))")
                if let createdAt { #expect(!FileManager.default.fileExists(atPath: createdAt), "\(createdAt) was created") }
            }
            // Nothing ran: the instance was not started.
            #expect(await instance.manager.status() == .shutdown)
        }
    }
}
