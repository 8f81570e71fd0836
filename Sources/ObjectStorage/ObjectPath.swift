import AgentSupport

/// An object name made of checked components joined by `/` (`db2logs/<instance>/<DB>/<chain>/S0000012.LOG.gz.enc`),
/// for the objects a ``WholeObjectStore`` keeps.
///
/// Backups keep their one-component names (``ObjectNaming/validateObjectName(_:)`` still refuses `/` there: a
/// location from Trove names one object). Here the components are checked one by one instead, so that no name can
/// reach outside the container, whether a client removes dot segments (as curl does) or a local store maps the
/// components onto directories: each component is non-empty, has no `/` and no control character, and neither it
/// nor its percent-decoded form starts with `.` (which refuses `.`, `..` and `%2e%2e`, and keeps the names a local
/// store uses for its own files, `.<name>.meta` and `.<name>.partial-…`, out of reach). The whole name is at most
/// 1024 bytes (Swift's limit).
public struct ObjectPath: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The components, first to last; never empty.
    public let components: [String]

    /// - Throws: ``ObjectStorageError/invalidName(_:reason:)`` naming the first bad component.
    public init(_ components: [String]) throws(ObjectStorageError) {
        let joined = components.joined(separator: "/")
        guard !components.isEmpty else { throw .invalidName(joined, reason: "no components") }
        for component in components {
            if let problem = Self.problem(with: component) {
                throw .invalidName(joined, reason: "component \(component.debugDescription) \(problem)")
            }
        }
        guard joined.utf8.count <= Self.maximumBytes else {
            throw .invalidName(joined, reason: "longer than \(Self.maximumBytes) bytes")
        }
        self.components = components
    }

    /// This path with one more component at its end.
    ///
    /// - Throws: ``ObjectStorageError/invalidName(_:reason:)``.
    public func appending(_ component: String) throws(ObjectStorageError) -> ObjectPath {
        try ObjectPath(components + [component])
    }

    /// The components joined by `/`: the object's name in the container.
    public var description: String { components.joined(separator: "/") }

    /// The last component.
    public var lastComponent: String { components[components.count - 1] }

    /// Component by component, each compared as a string: a path sorts right after its prefix, before the
    /// prefix's next sibling (`a/b` < `a/b/c` < `a/b-c`), whatever `/` sorts as.
    public static func < (left: ObjectPath, right: ObjectPath) -> Bool {
        left.components.lexicographicallyPrecedes(right.components)
    }

    /// Swift's limit on an object name.
    public static let maximumBytes = 1024

    /// Why `component` cannot be a component, or `nil`.
    static func problem(with component: String) -> String? {
        if component.isEmpty { return "is empty" }
        if component.contains("/") { return "contains '/'" }
        if component.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "contains a control character"
        }
        if component.hasPrefix(".") { return "starts with '.'" }
        let decoded = PercentEncoding.decode(component)
        if decoded.hasPrefix(".") { return "starts with '.' once percent-decoded" }
        if decoded.contains("/") { return "contains '/' once percent-decoded" }
        return nil
    }

    /// The path a listed name stands for, or `nil` when it is not a valid path (a name some other client stored).
    static func parsing(_ name: String) -> ObjectPath? {
        try? ObjectPath(name.split(separator: "/", omittingEmptySubsequences: false).map(String.init))
    }
}
