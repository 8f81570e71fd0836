import AgentSupport
import DB2
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import Logging
import ObjectStorage
import OsloRPC
import Synchronization
import TroveConfig

extension AgentLauncher {
    /// What an operator's `restore` or `pitr-marker` command asks.
    public struct PointInTimeRequest: Sendable {
        /// The backup's location, as Trove records it.
        public var location: String
        /// The checksum Trove recorded for it, if known.
        public var checksum: String?
        /// The point to roll forward to; nil: the end of the backup.
        public var until: String?
        /// A Swift token; without one, a token is got with `[service_credentials]`.
        public var token: Secret<String>?
        /// The Swift storage URL; default: the location without its container and object.
        public var storageURL: String?
        /// The marker object's name (`pitr-marker` only).
        public var markerName: String?
        public var verbose: Bool

        public init(
            location: String, checksum: String?, until: String?, token: Secret<String>?, storageURL: String?,
            markerName: String? = nil, verbose: Bool
        ) {
            self.location = location
            self.checksum = checksum
            self.until = until
            self.token = token
            self.storageURL = storageURL
            self.markerName = markerName
            self.verbose = verbose
        }
    }

    /// Exit code of `restore` and `pitr-marker` when the work failed or was refused.
    public static let operationFailed: Int32 = 1

    /// `restore`: the restore `prepare` runs, on this guest, from the operator's shell: the backup (its chain, if
    /// incremental) rolled forward to the point asked (`--until <ISO 8601 UTC>` or `--end-of-logs`) through the
    /// shipped logs, or to the end of the backup. The agent should not be running a backup meanwhile: a journaled
    /// operation in progress refuses the restore.
    public static func restore(configFiles: [String], configDirectories: [String], request: PointInTimeRequest) async -> Int32 {
        bootstrapLogging()
        let logger = Logger(label: "restore")
        guard let config = await loadConfiguration(files: configFiles, directories: configDirectories, logger: logger)
        else { return ExitCode.configuration.rawValue }
        AgentLogHandler.level.withLock { $0 = request.verbose ? config.logging.effectiveLevel : .warning }
        signal(SIGPIPE, SIG_IGN)
        let settings = BackupSettings(config)
        let storage: any BackupStorage
        let manager: DB2Manager
        do {
            storage = try await operatorStorage(
                settings, location: request.location, token: request.token, storageURL: request.storageURL,
                logger: logger)
            manager = try DB2Manager(configuration: DB2ManagerConfiguration(config), logger: logger)
        } catch {
            TextOutput.write("trove-db2-agent restore: \(error)\n")
            return ExitCode.configuration.rawValue
        }
        let journal = OperationJournal(directory: settings.journalDirectory)
        if let pending = try? await journal.records().records, !pending.isEmpty {
            TextOutput.write(
                "trove-db2-agent restore: an operation of the agent is in progress or unfinished (\(pending.map(\.id).joined(separator: ", "))): let it end first\n")
            return operationFailed
        }
        var info: [String: JSONValue] = [
            "id": "operator-restore", "location": .string(request.location), "type": "full",
        ]
        if let checksum = request.checksum { info["checksum"] = .string(checksum) }
        if let until = request.until { info["restore_until"] = .string(until) }
        do {
            let restoreRequest = try RestoreRequest(backupInfo: info, context: RequestContext())
            var job = RestoreJob(
                request: restoreRequest, settings: settings, database: manager,
                storageFactory: StorageFactory(settings: settings.storage, logger: logger), journal: journal,
                logger: logger, activity: nil, space: { BackupSpace.of(path: $0) })
            job.storage = storage
            try await job.run()
        } catch {
            TextOutput.write("trove-db2-agent restore: \(error)\n")
            return operationFailed
        }
        TextOutput.write("restored \(request.location) to \(request.until ?? "the end of the backup")\n", to: STDOUT_FILENO)
        return ExitCode.success.rawValue
    }

    /// `pitr-marker`: checks that the backup can be rolled forward to the point through the shipped logs, then
    /// stores a marker object beside it (``PointInTimeMarker``) and prints its location and checksum, for Trove's
    /// `backup create --restore-from` (Wallaby and later); `trove create --backup <it>` then restores to the point.
    public static func pitrMarker(configFiles: [String], configDirectories: [String], request: PointInTimeRequest) async -> Int32 {
        bootstrapLogging()
        let logger = Logger(label: "pitr-marker")
        guard let config = await loadConfiguration(files: configFiles, directories: configDirectories, logger: logger)
        else { return ExitCode.configuration.rawValue }
        AgentLogHandler.level.withLock { $0 = request.verbose ? config.logging.effectiveLevel : .warning }
        let settings = BackupSettings(config)
        do {
            guard let text = request.until, let point = RestorePoint(text) else {
                throw BackupOperationError.invalidBackupInfo(
                    "the point (\(request.until ?? "none")) is neither an ISO 8601 UTC time nor end-of-logs")
            }
            let storage = try await operatorStorage(
                settings, location: request.location, token: request.token, storageURL: request.storageURL,
                logger: logger)
            guard let store = storage as? any WholeObjectStore else {
                throw BackupOperationError.storageUnreachable("the store cannot hold a marker object")
            }
            let chain = try await BackupChain(storage: storage, location: request.location, checksum: request.checksum)
            _ = try await ShippedLogPlan.plan(
                index: chain.links[0].index, location: request.location, point: point, store: store)
            let marker = PointInTimeMarker(
                baseLocation: request.location, baseChecksum: request.checksum ?? chain.links[0].info.checksum,
                target: point)
            let name = try ObjectPath([request.markerName ?? "pitr-\(RandomIdentifier.hex128().prefix(16)).marker"])
            let body = Array("{\"marker\": \"trove-db2-agent point-in-time restore\", \"base\": \(JSONWriter.string(.string(request.location))), \"until\": \"\(point)\"}\n".utf8)
            let file = FileManager.default.temporaryDirectory.path + "/pitr-marker-\(RandomIdentifier.hex128().prefix(12))"
            try await BlockingThreadPool.shared.run {
                try DirectoryHandle.open(PathText.parent(file)).writeNewFile(
                    PathText.lastComponent(file), contents: body, mode: 0o600, uid: nil, gid: nil)
            }
            defer { unlink(file) }
            let checksum = try await store.put(name, fromFile: file, metadata: marker.metadata, deleteAt: nil)
            let location = PathText.parent(request.location) + "/" + name.description
            TextOutput.write("marker: \(location)\nchecksum: \(checksum)\nuntil: \(point)\n", to: STDOUT_FILENO)
            return ExitCode.success.rawValue
        } catch {
            TextOutput.write("trove-db2-agent pitr-marker: \(error)\n")
            return operationFailed
        }
    }
}
