/// An RPC API version `major.minor`, compared as oslo.messaging does (`version_is_compatible`).
public struct RPCVersion: Sendable, Equatable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `"1"`, `"1.0"`, `"1.2.3"` (the revision is ignored); nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count), let major = Int(parts[0]), major >= 0 else { return nil }
        let minor = parts.count > 1 ? Int(parts[1]) : 0
        guard let minor, minor >= 0 else { return nil }
        if parts.count == 3, Int(parts[2]) == nil { return nil }
        self.init(major: major, minor: minor)
    }

    /// Whether an endpoint at `self` can serve a request for `requested`: same major, minor not greater.
    public func canServe(_ requested: RPCVersion) -> Bool { major == requested.major && requested.minor <= minor }

    public var description: String { "\(major).\(minor)" }
}
