import AgentSupport
import DB2
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import OsloRPC

/// `prepare` (Trove's `_prepare`), the use case: `building`, the instance (volume, configuration, start), the
/// restore of `backup_info`, the databases and users, then the real status and the end marker; or `failed to
/// spawn`. ``DB2Methods`` reads prepare's arguments and runs this inside Trove's end-notification wrapper.
struct PrepareJob: Sendable {
    let manager: DB2Manager
    let conductor: ConductorClient
    let markers: PrepareMarkers
    let notifier: EndNotifier
    let logger: Logger
    let restore: (@Sendable (RPCRequest, [String: JSONValue]) async throws -> Void)?

    /// Trove's `_prepare`: `building`, the instance, the restore, databases and users, then `running` (or the real
    /// status) and the end marker — or `failed to spawn`.
    func run(
        _ request: RPCRequest, contents: DB2Methods.PrepareContents, devicePath: String?, mountPoint: String?,
        backupInfo: [String: JSONValue]?, configContents: String?, rootPassword: String?
    ) async throws {
        do { try markers.markStarted() } catch {
            logger.warning("prepare start marker not written", metadata: ["error": "\(error)"])
        }
        await conductor.reportStatus(.building)
        do {
            let parsedOverrides = try contents.overrides.mapError(\.troveError).get()
            try await DB2Methods.db2 { () throws(DB2Error) in
                try await manager.prepare(
                    PrepareRequest(
                        devicePath: devicePath, mountPoint: mountPoint, configContents: configContents,
                        overrides: parsedOverrides))
            }
            if let backupInfo {
                guard let restore else {
                    throw TroveError.guestError("restoring a backup during prepare is not available in this agent")
                }
                try await restore(request, backupInfo)
            }
            // Trove creates these after reporting `running`; we create them before the final heartbeat, so an
            // ACTIVE instance has its databases and users. As in Trove, a failure does not fail prepare.
            await createDatabasesLogged(contents.databases, request: request)
            await createUsersLogged(contents.users, request: request)
            if rootPassword != nil {
                logger.warning("root_password ignored: enable_root is not supported for db2 (as in Trove)")
            }
            try markers.markCompleted()
            await conductor.reportStatus(ServiceStatus(await manager.status()))
            logger.info("prepare completed")
        } catch {
            logger.error("prepare failed", metadata: ["error": "\(error)"])
            await conductor.reportStatus(.failedToSpawn)
            throw error
        }
    }

    /// prepare's databases: every valid one is created (Trove's `create_database` goes on past a database that
    /// fails); a name DB2 refuses, or a database DB2 could not create, is logged and reported to the conductor as
    /// Trove's end-notification wrapper reports a failed step (`notify_exc_info`), and prepare goes on.
    func createDatabasesLogged(_ values: [JSONValue], request: RPCRequest) async {
        guard !values.isEmpty else { return }
        var names: [DatabaseName] = []
        var failures: [DB2Error] = []
        for value in values {
            do throws(DB2Error) { names.append(try DB2TroveModels.databaseName(value, argument: "databases")) } catch {
                failures.append(error)
            }
        }
        if !names.isEmpty {
            do throws(DB2Error) { try await manager.createDatabases(names) } catch { failures.append(error) }
        }
        await reportPrepareFailures(failures, of: "databases", request: request)
    }

    /// prepare's users, as ``createDatabasesLogged(_:request:)``: every valid user is created, the others reported.
    func createUsersLogged(_ values: [JSONValue], request: RPCRequest) async {
        guard !values.isEmpty else { return }
        var users: [NewDatabaseUser] = []
        var failures: [DB2Error] = []
        for value in values {
            do throws(DB2Error) { users.append(try DB2TroveModels.newUser(value)) } catch { failures.append(error) }
        }
        if !users.isEmpty {
            do throws(DB2Error) { try await manager.createUsers(users) } catch { failures.append(error) }
        }
        await reportPrepareFailures(failures, of: "users", request: request)
    }

    /// Logs what prepare could not create and tells the conductor (`notify_exc_info`, when the request carries a
    /// notification): one failure as its Trove exception, several as a GuestError naming each.
    func reportPrepareFailures(_ failures: [DB2Error], of what: String, request: RPCRequest) async {
        guard let first = failures.first else { return }
        let detail = failures.map(\.description).joined(separator: "; ")
        logger.error("prepare: \(what) not created", metadata: ["error": "\(detail)"])
        let error = failures.count == 1 ? first.troveError : TroveError.guestError("\(what) not created: \(detail)")
        await notifier.notifyError(error, request: request)
    }
}
