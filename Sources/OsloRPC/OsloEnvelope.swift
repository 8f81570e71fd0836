import AgentSupport
/// oslo.messaging's message envelope (version 2.0): `{"oslo.version": "2.0", "oslo.message": "<JSON string>"}`.
public enum OsloEnvelope {
    public static let version = "2.0"

    /// Why a body could not be turned into an RPC message dict.
    public enum DecodeError: Error, Equatable, CustomStringConvertible {
        case notJSON(JSONParseError)
        case notAnObject(String)
        /// oslo's `UnsupportedRpcEnvelopeVersion`.
        case unsupportedEnvelopeVersion(String)
        case innerMessageNotJSON(JSONParseError)

        public var description: String {
            switch self {
            case .notJSON(let error): "message body is not JSON: \(error)"
            case .notAnObject(let type): "message body must be a JSON object, got \(type)"
            case .unsupportedEnvelopeVersion(let version):
                "Specified RPC envelope version, \(version), not supported by this endpoint."
            case .innerMessageNotJSON(let error): "oslo.message is not a JSON object: \(error)"
            }
        }
    }

    /// The message dict inside `body`: unwrapped from a 2.x envelope, or the body itself for the legacy
    /// un-enveloped form (oslo's `deserialize_msg` accepts both).
    public static func decode(_ body: [UInt8]) throws(DecodeError) -> [String: JSONValue] {
        let outer: JSONValue
        do { outer = try JSONParser.parse(body) } catch { throw .notJSON(error) }
        guard case .object(let object) = outer else { throw .notAnObject(outer.typeName) }
        guard let versionValue = object["oslo.version"], let inner = object["oslo.message"] else { return object }
        let version = versionValue.stringValue ?? JSONWriter.string(versionValue)
        guard version.split(separator: ".").first == "2" else { throw .unsupportedEnvelopeVersion(version) }
        guard let text = inner.stringValue else { throw .notAnObject(inner.typeName) }
        let message: JSONValue
        do { message = try JSONParser.parse(text) } catch { throw .innerMessageNotJSON(error) }
        guard case .object(let dict) = message else { throw .notAnObject(message.typeName) }
        return dict
    }

    /// Wraps a message dict in a 2.0 envelope.
    public static func encode(_ message: [String: JSONValue]) -> [UInt8] {
        JSONWriter.bytes([
            "oslo.version": .string(version),
            "oslo.message": .string(JSONWriter.string(.object(message))),
        ])
    }
}
