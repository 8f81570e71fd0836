/// The metadata stored with a backup (`X-Object-Meta-<key>`): what is known when the upload starts, and what
/// only the end of the stream settles (a DB2 image's timestamp exists once its BACKUP has run, after the upload
/// began). The store asks for ``atEnd`` once the stream has ended, before it writes the object that carries the
/// metadata (the manifest or the single object).
public struct BackupMetadata: Sendable, ExpressibleByDictionaryLiteral {
    public var known: [String: String]
    public var atEnd: (@Sendable () -> [String: String])?

    public init(known: [String: String] = [:], atEnd: (@Sendable () -> [String: String])? = nil) {
        self.known = known
        self.atEnd = atEnd
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(known: Dictionary(elements) { _, last in last })
    }

    /// Everything, once the stream has ended: ``atEnd``'s entries win on equal keys.
    public func resolved() -> [String: String] {
        guard let atEnd else { return known }
        return known.merging(atEnd()) { _, late in late }
    }
}
