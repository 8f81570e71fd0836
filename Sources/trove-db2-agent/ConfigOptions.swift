import ArgumentParser

/// oslo.config's command-line options, as Trove's guest image passes them.
struct ConfigOptions: ParsableArguments {
    @Option(name: .customLong("config-file"), help: "An oslo.config INI file; repeat it, later files win.")
    var files: [String] = []

    @Option(name: .customLong("config-dir"), help: "A directory of *.conf files, read in name order after the files.")
    var directories: [String] = []
}
