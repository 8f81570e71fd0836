import AgentSupport
import ArgumentParser
import FoundationEssentials
import GuestAgent

/// `trove-db2-agent restore` and `pitr-marker`: restores to a point in time from an operator's shell, and the
/// marker object Trove can import to do it through its API. Options only; the work is in `GuestAgent`.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup on this guest, rolled forward through the shipped logs to a point in time.",
        discussion: """
            The restore prepare runs (the backup's chain, if it is incremental), then ROLLFORWARD ... TO the time \
            (UTC) or to the end of the shipped logs. A point the logs cannot reach (before the end of the backup, \
            after the last shipped log, past a missing log) is refused before anything is restored. Do not run it \
            while the agent runs a backup. Exit status: 0 restored, 1 refused or failed, 78 configuration.
            """)

    @OptionGroup var options: PointInTimeOptions

    @Flag(name: .customLong("end-of-logs"), help: "Roll forward through every shipped log of the backup's log chain.")
    var endOfLogs = false

    func validate() throws {
        if endOfLogs, options.until != nil { throw ValidationError("give --until or --end-of-logs, not both") }
    }

    func run() async throws {
        let code = await AgentLauncher.restore(
            configFiles: options.config.files, configDirectories: options.config.directories,
            request: options.request(until: endOfLogs ? "end-of-logs" : options.until))
        if code != 0 { throw ExitCode(code) }
    }
}

/// `trove-db2-agent pitr-marker`.
struct PointInTimeMarkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pitr-marker",
        abstract: "Store a marker object that Trove can import to restore a backup to a point in time.",
        discussion: """
            Checks that the backup can be rolled forward to the point through the shipped logs, then stores a small \
            object beside it whose metadata names the backup (parent-location, parent-checksum) and the point \
            (db2-pitr-target), and prints its location and checksum. Import it with `openstack database backup \
            create --restore-from remote_location=<location>,local_datastore_version_id=<id>,size=<GB> NAME` \
            (Trove Wallaby and later), then `openstack database instance create ... --backup <that backup>`.
            """)

    @OptionGroup var options: PointInTimeOptions

    @Option(help: "The marker's object name in the backup's container (default: pitr-<random>.marker).")
    var name: String?

    func run() async throws {
        var request = options.request(until: options.until)
        request.markerName = name
        let code = await AgentLauncher.pitrMarker(
            configFiles: options.config.files, configDirectories: options.config.directories, request: request)
        if code != 0 { throw ExitCode(code) }
    }
}

/// What `restore` and `pitr-marker` share.
struct PointInTimeOptions: ParsableArguments {
    @OptionGroup var config: ConfigOptions

    @Option(help: "The backup's location, as Trove records it (<storage URL>/<container>/<object>, or file://...).")
    var backup: String

    @Option(help: "The checksum Trove recorded for the backup, checked before anything is downloaded.")
    var checksum: String?

    @Option(help: "The point to roll forward to: an ISO 8601 time in UTC (2026-12-07T06:10:00Z), or end-of-logs.")
    var until: String?

    @Option(
        name: .customLong("os-token"),
        help: "A Swift token (default: $OS_AUTH_TOKEN, else one got with [service_credentials]). Prefer the environment.")
    var token: String?

    @Option(
        name: .customLong("storage-url"),
        help: "The Swift storage URL (default: $OS_STORAGE_URL, else the location without its container and object).")
    var storageURL: String?

    @Flag(help: "Log at the configured level on standard error (default: warnings only).")
    var verbose = false

    func request(until: String?) -> AgentLauncher.PointInTimeRequest {
        let environment = ProcessInfo.processInfo.environment
        return AgentLauncher.PointInTimeRequest(
            location: backup, checksum: checksum?.isEmpty == true ? nil : checksum, until: until,
            token: (token ?? environment["OS_AUTH_TOKEN"]).flatMap { $0.isEmpty ? nil : Secret($0) },
            storageURL: (storageURL ?? environment["OS_STORAGE_URL"]).flatMap { $0.isEmpty ? nil : $0 },
            verbose: verbose)
    }
}
