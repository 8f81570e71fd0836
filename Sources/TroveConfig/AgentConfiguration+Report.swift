extension AgentConfiguration {
    /// The effective configuration for `check-config`: every option of ``OptionTable`` with its value and where
    /// it came from (`file:line` or `default`), followed by what the agent derives from them (brokers, paths).
    ///
    /// Secret options print as `***` and `transport_url` with every password replaced by `***`, so the report
    /// can be pasted into a ticket.
    public func effectiveReport() -> String {
        var lines = ["# trove-db2-agent effective configuration"]
        lines.append("# files, later ones override earlier ones:")
        lines += configFiles.isEmpty ? ["#   (none)"] : configFiles.map { "#   \($0)" }
        for section in OptionTable.sections {
            let entries = OptionTable.all.filter { $0.name.section == section }.map { resolved.entry($0.name) }
            guard !entries.isEmpty else { continue }
            lines.append("")
            lines.append("[\(section)]")
            let rows = entries.map { entry in
                (name: entry.definition.name.name, value: Self.displayValue(entry), note: note(entry))
            }
            let nameWidth = rows.map(\.name.count).max() ?? 0
            let valueWidth = min(rows.map(\.value.count).max() ?? 0, 40)
            for row in rows {
                lines.append("\(row.name.padded(to: nameWidth)) = \(row.value.padded(to: valueWidth))  # \(row.note)")
            }
        }
        lines.append("")
        lines.append("# derived")
        let tls = messaging.tls.map { "TLS" + ($0.verifyHostname ? ", hostname verified" : ", hostname not verified") }
        for broker in messaging.brokers {
            lines.append("broker = amqp://\(broker.username):***@\(broker.hostAndPort) (\(tls ?? "no TLS"))")
        }
        lines.append("virtual host = \(messaging.virtualHost)")
        lines.append(
            "brokers from = " + (messaging.source == .transportURL ? "transport_url" : "legacy rabbit_* options"))
        lines.append("rpc queue = guestagent.\(guestID) on exchange \(messaging.controlExchange)")
        lines.append("backup directory = \(db2.backupDirectory)")
        lines.append("archive log directory = \(db2.archiveLogDirectory)")
        lines.append("backup object name = <backup id>\(backup.objectNameSuffix)")
        lines.append("log level = \(logging.effectiveLevel)")
        lines.append("log destination = \(logging.logFilePath ?? "stderr")")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The value as shown: masked when secret, passwords removed from `transport_url`, `(unset)` when unset.
    private static func displayValue(_ entry: ResolvedOptions.Entry) -> String {
        guard let text = entry.text else { return "(unset)" }
        if entry.definition.name == OptionTable.transportURL.name { return TransportURL.masked(text) }
        if entry.definition.isSecret { return "***" }
        return ConfigResolver.quoted(text)
    }

    /// The source, and what an operator should know about it: a deprecated name, an option without effect.
    private func note(_ entry: ResolvedOptions.Entry) -> String {
        var note = "\(entry.source)"
        if case let .file(_, _, writtenAs) = entry.source, writtenAs != entry.definition.name {
            note += " (as \(writtenAs), deprecated)"
        }
        guard entry.source != .default else { return note }
        if entry.definition.isCompatibilityOnly {
            note += " (accepted, not used)"
        } else if messaging.source == .transportURL && OptionTable.legacyBrokerOptions.contains(entry.definition.name) {
            note += " (not used: transport_url is set)"
        }
        return note
    }
}

extension String {
    fileprivate func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
