import AgentSupport

/// oslo.messaging's `transport_url`, parsed as `TransportURL.parse` and the RabbitMQ driver read it:
/// `rabbit://user:pass@host1:5672,user2:pass2@host2:5673/vhost?ssl=1`.
///
/// - The netloc is split at `,` into hosts (empty pieces are skipped). Each host may carry `user:password@`;
///   the user info ends at the **last** `@`, the password starts after the **first** `:`. User and password are
///   percent-decoded (write `%40` for `@`, `%2C` for `,`, `%2F` for `/`, `%3A` for `:` in a user name).
/// - `host:port`, `[ipv6]:port`, `[ipv6]` and a bare IPv6 address (no port) are accepted, as
///   `oslo_utils.netutils.parse_host_port` reads them.
/// - The path after the first `/` is the percent-decoded virtual host: `/` or an empty path means the broker's
///   default vhost `/`; `%2F` is `/` too.
/// - Query parameters (`?ssl=1&heartbeat_rate=2`) are percent-decoded, `+` is a space, repeated keys are joined
///   with `,`, empty values are dropped (Python's `parse_qs`).
///
/// Deliberate differences from oslo.messaging, all of which turn a silent fallback into an error: a URL without
/// any host (oslo falls back to `localhost`), a host entry with credentials or a port but no host name, a port
/// that is not a number in 1–65535, and schemes other than `rabbit`/`amqp` (oslo would load another driver).
public struct TransportURL: Sendable, Equatable {
    /// The URL schemes that select RabbitMQ.
    public enum Scheme: String, Sendable, Equatable {
        case rabbit
        case amqp
    }

    /// One `user:password@host:port` entry.
    public struct Host: Sendable, Equatable {
        /// Host name or IP address, without IPv6 brackets.
        public let hostname: String
        /// The port, when the URL gives one.
        public let port: Int?
        /// The decoded user name, when the URL gives one.
        public let username: String?
        /// The decoded password, when the URL gives one (after a `:` in the user info).
        public let password: Secret<String>?
    }

    /// `rabbit` or `amqp`.
    public let scheme: Scheme
    /// The brokers, in URL order.
    public let hosts: [Host]
    /// The decoded virtual host; `nil` when the URL has no path at all.
    public let virtualHost: String?
    /// Query parameters in URL order (each key once; repeated keys joined with `,`).
    public let query: [(name: String, value: String)]

    public static func == (lhs: TransportURL, rhs: TransportURL) -> Bool {
        lhs.scheme == rhs.scheme && lhs.hosts == rhs.hosts && lhs.virtualHost == rhs.virtualHost
            && lhs.query.elementsEqual(rhs.query, by: { $0 == $1 })
    }

    /// Parses a transport URL.
    ///
    /// - Throws: ``TransportURLError`` saying what is wrong; its message never contains a password.
    public static func parse(_ text: String) throws(TransportURLError) -> TransportURL {
        let trimmed = Substring(text).trimmingWhitespace()
        guard let colon = trimmed.firstIndex(of: ":"), colon > trimmed.startIndex,
            trimmed[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
        else {
            throw TransportURLError("it has no scheme; expected rabbit://user:password@host:5672/vhost")
        }
        let schemeText = trimmed[..<colon].lowercased()
        guard let scheme = Scheme(rawValue: schemeText) else {
            throw TransportURLError(
                "scheme \"\(schemeText)\" is not supported; this agent speaks AMQP 0-9-1 to RabbitMQ: use rabbit:// "
                    + "(or amqp://)")
        }
        var rest = trimmed[trimmed.index(after: colon)...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        var queryText: Substring = ""
        if let question = rest.firstIndex(of: "?") {
            queryText = rest[rest.index(after: question)...]
            rest = rest[..<question]
        }
        var netloc: Substring = ""
        if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            let end = rest.firstIndex(of: "/") ?? rest.endIndex
            netloc = rest[..<end]
            rest = rest[end...]
        }
        let virtualHost: String? = rest.hasPrefix("/") ? PercentEncoding.decode(rest.dropFirst()) : nil

        var hosts: [Host] = []
        for (position, entry) in netloc.split(separator: ",", omittingEmptySubsequences: false).enumerated()
        where !entry.isEmpty {
            hosts.append(try parseHost(entry, position: position + 1))
        }
        guard !hosts.isEmpty else {
            throw TransportURLError("it names no broker host; expected rabbit://user:password@host:5672/vhost")
        }
        return TransportURL(
            scheme: scheme, hosts: hosts, virtualHost: virtualHost, query: parseQuery(queryText))
    }

    private static func parseHost(_ entry: Substring, position: Int) throws(TransportURLError) -> Host {
        var address = entry
        var username: String?
        var password: Secret<String>?
        if let at = entry.lastIndex(of: "@") {
            let userInfo = entry[..<at]
            address = entry[entry.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                username = PercentEncoding.decode(userInfo[..<colon])
                password = Secret(PercentEncoding.decode(userInfo[userInfo.index(after: colon)...]))
            } else {
                username = PercentEncoding.decode(userInfo)
            }
        }
        let (hostname, port) = try HostPort.parse(address, what: "host \(position)")
        return Host(hostname: hostname, port: port, username: username, password: password)
    }

    /// Python's `parse_qs(query)` joined as oslo.messaging does.
    private static func parseQuery(_ text: Substring) -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        for field in text.split(separator: "&") {
            guard let equal = field.firstIndex(of: "=") else { continue }
            let name = PercentEncoding.decode(field[..<equal].replacing("+", with: " "))
            let value = PercentEncoding.decode(field[field.index(after: equal)...].replacing("+", with: " "))
            guard !value.isEmpty else { continue }
            if let existing = result.firstIndex(where: { $0.name == name }) {
                result[existing].value += "," + value
            } else {
                result.append((name, value))
            }
        }
        return result
    }

    /// `text` with every password replaced by `***`, for reports and messages. Purely textual, so it also works on
    /// a URL that does not parse; when a password seems to hold an unescaped `/`, `?` or `#` (an `@` after the
    /// host part), everything between `://` and the last `@` is masked.
    public static func masked(_ text: String) -> String {
        guard let schemeEnd = text.firstRange(of: "://") else { return text }
        let prefix = text[..<schemeEnd.upperBound]
        let afterScheme = text[schemeEnd.upperBound...]
        let netlocEnd = afterScheme.firstIndex(where: { "/?#".contains($0) }) ?? afterScheme.endIndex
        let rest = afterScheme[netlocEnd...]
        if rest.contains("@"), let lastAt = text.lastIndex(of: "@") {
            return prefix + "***" + text[lastAt...]
        }
        let entries = afterScheme[..<netlocEnd].split(separator: ",", omittingEmptySubsequences: false).map {
            entry -> Substring in
            guard let at = entry.lastIndex(of: "@"), let colon = entry[..<at].firstIndex(of: ":") else { return entry }
            return entry[...colon] + "***" + entry[at...]
        }
        return prefix + entries.joined(separator: ",") + rest
    }
}

/// Why a `transport_url` cannot be used. The message never contains a password.
public struct TransportURLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, e.g. `scheme "kafka" is not supported; ...`.
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// `oslo_utils.netutils.parse_host_port`, stricter about ports.
enum HostPort {
    /// Splits `host:port`, `[v6]:port`, `[v6]`, `host` or a bare IPv6 address.
    ///
    /// - Throws: ``TransportURLError`` naming `what` when the host is empty or the port is not 1–65535.
    static func parse(_ text: Substring, what: String) throws(TransportURLError) -> (String, Int?) {
        var host: Substring
        var portText: Substring?
        if text.first == "[" {
            guard let close = text.firstIndex(of: "]") else {
                throw TransportURLError("\(what): \"[\" of an IPv6 address is not closed by \"]\"")
            }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else {
                    throw TransportURLError("\(what): unexpected text after \"]\"; expected [address]:port")
                }
                portText = after.dropFirst()
            }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            host = text  // a name, IPv4, or an IPv6 address without brackets (then without port)
        }
        host = host.trimmingWhitespace()
        guard !host.isEmpty else { throw TransportURLError("\(what): the host name is missing") }
        guard let portText else { return (String(host), nil) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            // The text is not repeated: with an unescaped "/" in a password, what looks like a port is password.
            throw TransportURLError("\(what): the port is not a number in 1–65535")
        }
        return (String(host), port)
    }
}
