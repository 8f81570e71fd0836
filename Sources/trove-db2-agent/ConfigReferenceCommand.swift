import ArgumentParser
import TroveConfig

/// `trove-db2-agent config-reference`: every option the agent reads, as the Markdown table in the README.
struct ConfigReferenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config-reference", abstract: "Print every configuration option the agent reads (Markdown).")

    func run() { print(OptionTable.markdownReference(), terminator: "") }
}
