/// Where an option's effective value came from.
public enum ValueSource: Sendable, Equatable, CustomStringConvertible {
    /// Nothing set it: the option table's default.
    case `default`
    /// A file line. `writtenAs` is the name used there: the option's own name, or a deprecated name or group.
    case file(path: String, line: Int, writtenAs: OptionName)
    /// A query parameter of `transport_url` (oslo.messaging lets those override `[oslo_messaging_rabbit]`),
    /// at the file line of `transport_url`.
    case transportURLQuery(path: String, line: Int)

    /// `path:line`, `path:line (as [DEFAULT] rabbit_host)`, `path:line (transport_url query)` or `default`.
    public var description: String {
        switch self {
        case .default: return "default"
        case let .file(path, line, _): return "\(path):\(line)"
        case let .transportURLQuery(path, line): return "\(path):\(line) (transport_url query)"
        }
    }

    /// The file and line, if a file set the value.
    var location: (path: String, line: Int)? {
        switch self {
        case .default: return nil
        case let .file(path, line, _), let .transportURLQuery(path, line): return (path, line)
        }
    }
}
