import ArgumentParser
import GuestAgent

/// `trove-db2-agent check-config`: reads the configuration as the daemon would and prints it, secrets masked.
struct CheckConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate the configuration and print its effective values.")

    @OptionGroup var config: ConfigOptions

    func run() async throws {
        let code = await AgentLauncher.checkConfig(configFiles: config.files, configDirectories: config.directories)
        if code != 0 { throw ExitCode(code) }
    }
}
