import FoundationEssentials

/// Finds `_msg_id` and `_reply_q` in a body that cannot be parsed (not JSON, or over the size cap), so that a
/// caller still gets a failure instead of waiting for its timeout.
///
/// It looks for `"_msg_id": "<id>"` both plainly and inside the JSON-encoded `oslo.message` string
/// (`\"_msg_id\": \"<id>\"`). Only hex-ish ids and `reply_…` queue names are accepted, so a hostile body cannot
/// make the agent publish to an arbitrary queue name with odd characters.
enum ReplyAddressScanner {
    static func scan(_ body: [UInt8], limit: Int = 1 << 20) -> RPCRequest.ReplyAddress? {
        let text = String(decoding: body.prefix(limit), as: UTF8.self)
        guard let messageID = value(of: "_msg_id", in: text), let queue = value(of: "_reply_q", in: text),
            queue.hasPrefix("reply_")
        else { return nil }
        return RPCRequest.ReplyAddress(messageID: messageID, queue: queue)
    }

    private static func value(of key: String, in text: String) -> String? {
        for quote in ["\\\"", "\""] {
            guard let keyRange = text.firstRange(of: quote + key + quote) else { continue }
            var rest = text[keyRange.upperBound...].drop { $0 == " " || $0 == ":" }
            guard rest.hasPrefix(quote) else { continue }
            rest = rest.dropFirst(quote.count)
            let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:")
            let value = rest.prefix { allowed.contains($0) }
            guard !value.isEmpty, value.count <= 255, rest.dropFirst(value.count).hasPrefix(quote) else { continue }
            return String(value)
        }
        return nil
    }
}
