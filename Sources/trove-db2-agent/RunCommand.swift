import ArgumentParser
import GuestAgent

/// `trove-db2-agent run`: the daemon (the default subcommand).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the guest agent daemon.")

    @OptionGroup var config: ConfigOptions

    func run() async throws {
        let code = await AgentLauncher.run(configFiles: config.files, configDirectories: config.directories)
        if code != 0 { throw ExitCode(code) }
    }
}
