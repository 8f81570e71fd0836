/// The few string and path operations the agent needs that Foundation's full module would otherwise provide
/// (the agent links FoundationEssentials only).
extension StringProtocol {
    /// Without leading and trailing spaces, tabs and line breaks.
    public func trimmingWhitespace() -> String { trimming { $0.isWhitespace || $0.isNewline } }

    /// Without the leading and trailing characters for which `isTrimmed` is true.
    public func trimming(_ isTrimmed: (Character) -> Bool) -> String {
        guard let first = firstIndex(where: { !isTrimmed($0) }), let last = lastIndex(where: { !isTrimmed($0) }) else {
            return ""
        }
        return String(self[first...last])
    }

    /// The range of the last occurrence of `needle`.
    public func lastRange(of needle: some StringProtocol) -> Range<Index>? {
        ranges(of: needle).last
    }
}

/// Slash-separated paths as strings.
public enum PathText {
    /// `/a/b/c.txt` → `c.txt`; `/a/b/` → `b`.
    public static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? (path.hasPrefix("/") ? "/" : "")
    }

    /// `/a/b/c.txt` → `/a/b`; `c.txt` → ``; `/c` → `/`.
    public static func parent(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        let parent = trimmed[..<slash]
        return parent.isEmpty ? "/" : String(parent)
    }

    /// `a` + `b` with exactly one slash between them.
    public static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
