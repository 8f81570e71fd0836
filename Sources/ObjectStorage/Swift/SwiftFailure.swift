/// An HTTP error answered by Swift: the status, what was being done, to which object, and Swift's own words.
///
/// Never holds a token: the message is Swift's response body (HTML stripped), which does not echo credentials.
public struct SwiftFailure: Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status.
    public let status: Int
    /// What the agent was doing, e.g. `PUT segment` or `HEAD`.
    public let operation: String
    /// `<container>/<object>` (or the container alone).
    public let object: String
    /// Swift's explanation, trimmed to a few hundred characters (may be empty).
    public let message: String
    /// Swift's `X-Trans-Id` for finding the request in Swift's logs.
    public let transactionID: String?

    public init(status: Int, operation: String, object: String, message: String, transactionID: String? = nil) {
        self.status = status
        self.operation = operation
        self.object = object
        self.message = message
        self.transactionID = transactionID
    }

    public var description: String {
        var text = "\(operation) \(object): HTTP \(status)"
        if !message.isEmpty { text += " \(message)" }
        if let transactionID { text += " (transaction \(transactionID))" }
        return text
    }

    /// Plain text from a Swift error body: tags removed, whitespace collapsed, at most 300 characters.
    static func message(fromBody body: [UInt8]) -> String {
        var text = ""
        var inTag = false
        for character in String(decoding: body.prefix(4096), as: UTF8.self) {
            switch character {
            case "<": inTag = true; text.append(" ")
            case ">": inTag = false
            default: if !inTag { text.append(character) }
            }
        }
        let collapsed = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return collapsed.count > 300 ? String(collapsed.prefix(300)) + "…" : collapsed
    }
}
