import ArgumentParser

/// `trove-db2-agent run`: the daemon (the default subcommand).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the guest agent daemon.")

    @Option(name: .customLong("config-file"), help: "An oslo.config INI file; repeat it, later files win.")
    var configFiles: [String] = []

    func run() async throws {
        throw ValidationError("the daemon is not built yet")
    }
}
