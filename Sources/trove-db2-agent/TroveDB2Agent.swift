import ArgumentParser

/// The command line: parses arguments and hands over to the modules. Nothing else lives here.
@main
struct TroveDB2Agent: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trove-db2-agent",
        abstract: "OpenStack Trove guest agent for DB2, with full online backup and restore.",
        version: "0.1.0",
        subcommands: [
            RunCommand.self, CheckConfigCommand.self, VerifyCommand.self, RestoreCommand.self,
            PointInTimeMarkerCommand.self, StreamCommand.self, ConfigReferenceCommand.self,
        ],
        defaultSubcommand: RunCommand.self
    )
}
