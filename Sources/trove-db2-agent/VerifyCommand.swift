import AgentSupport
import ArgumentParser
import FoundationEssentials
import GuestAgent

/// `trove-db2-agent verify`: proves a backup and its chain restorable without restoring it. Options only; the
/// work is in `GuestAgent` (``AgentLauncher/verify(configFiles:configDirectories:request:)``).
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a backup and every backup it builds on, without restoring anything.",
        discussion: """
            Walks the chain from the backup to the first of its chain (each parent checked against the checksum \
            its child recorded); downloads every object (every segment's MD5 and the checksum checked), decrypts, \
            inflates and unpacks it into a scratch directory, checks its manifest against its index and that every \
            image is there, and runs db2ckbkp on every image. Prints one line per object and a verdict. Only reads \
            the store and runs db2ckbkp: nothing is written to the instance.

            Exit status: 0 when everything held, 1 when an object did not, 78 when the configuration or the \
            store's credentials are unusable, 130 when interrupted.
            """)

    @OptionGroup var config: ConfigOptions

    @Option(help: "The backup's location, as Trove records it (<storage URL>/<container>/<object>, or file://...).")
    var backup: String

    @Option(help: "The checksum Trove recorded for the backup, checked before anything is downloaded.")
    var checksum: String?

    @Option(
        name: .customLong("work-dir"),
        help: """
            Where each object is unpacked in turn, in a new directory removed afterwards (default: the parent of \
            the backup directory, [db2] mount_point). The instance owner must be able to read it.
            """)
    var workDirectory: String?

    @Option(
        name: .customLong("os-token"),
        help: """
            A Swift token (default: $OS_AUTH_TOKEN, else one got with [service_credentials]). Prefer the \
            environment: a command line is visible to every user.
            """)
    var token: String?

    @Option(
        name: .customLong("storage-url"),
        help: "The Swift storage URL (default: $OS_STORAGE_URL, else the location without its container and object).")
    var storageURL: String?

    @Flag(help: "Log at the configured level on standard error (default: warnings only).")
    var verbose = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let token = (token ?? environment["OS_AUTH_TOKEN"]).flatMap { $0.isEmpty ? nil : Secret($0) }
        let storageURL = (storageURL ?? environment["OS_STORAGE_URL"]).flatMap { $0.isEmpty ? nil : $0 }
        let code = await AgentLauncher.verify(
            configFiles: config.files, configDirectories: config.directories,
            request: AgentLauncher.VerifyRequest(
                location: backup, checksum: checksum?.isEmpty == true ? nil : checksum, workDirectory: workDirectory,
                token: token, storageURL: storageURL, verbose: verbose))
        if code != 0 { throw ExitCode(code) }
    }
}
