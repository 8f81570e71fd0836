/// Maps archive member names to paths relative to the restore target: the first member (a directory, e.g.
/// `/home/db2inst1/db2inst1/backup/`) is the archive's root and becomes the target itself, so an archive made
/// by `tar cPf - /abs/dir` restores into any directory.
///
/// Names outside the root, and names with a `..` component, are refused.
struct ArchivePathMapper {
    /// The root's name without trailing slashes (`nil` until the first member).
    private(set) var root: [UInt8]?

    /// The path components, relative to the target, of member `name` (empty for the root itself).
    ///
    /// - Parameter isDirectory: whether the member is a directory (the first member must be one).
    /// - Throws: ``BackupStreamError/unsafeMember(name:reason:)``.
    mutating func components(of name: [UInt8], isDirectory: Bool) throws(BackupStreamError) -> [[UInt8]] {
        let display = String(decoding: name, as: UTF8.self)
        guard !name.contains(0) else { throw .unsafeMember(name: display, reason: "its name contains a NUL byte") }
        guard let root else {
            guard isDirectory else {
                throw .unsafeMember(
                    name: display,
                    reason: "the archive must start with its root directory (as `tar cPf - /dir` writes it)")
            }
            self.root = Self.trimmingTrailingSlashes(name)
            return []
        }
        return try relativeComponents(of: name, root: root, display: display)
    }

    /// The components of a name that must lie under the root (a hard link's target).
    func componentsOfExistingMember(_ name: [UInt8]) throws(BackupStreamError) -> [[UInt8]] {
        guard let root else { preconditionFailure("no root yet") }
        guard !name.contains(0) else {
            throw .unsafeMember(name: String(decoding: name, as: UTF8.self), reason: "link target contains a NUL byte")
        }
        return try relativeComponents(of: name, root: root, display: String(decoding: name, as: UTF8.self))
    }

    private func relativeComponents(of name: [UInt8], root: [UInt8], display: String) throws(BackupStreamError)
        -> [[UInt8]]
    {
        let trimmed = Self.trimmingTrailingSlashes(name)
        if trimmed == root { return [] }
        let prefix = root.last == 0x2f ? root : root + [0x2f]
        guard trimmed.starts(with: prefix) else {
            throw .unsafeMember(
                name: display,
                reason: "it lies outside the archive's root directory \"\(String(decoding: root, as: UTF8.self))\"")
        }
        let components = trimmed.dropFirst(prefix.count).split(separator: 0x2f).filter { $0 != [0x2e] }.map { Array($0) }
        if components.contains([0x2e, 0x2e]) {
            throw .unsafeMember(name: display, reason: "it contains a '..' component")
        }
        guard !components.isEmpty else { throw .unsafeMember(name: display, reason: "it names the root directory") }
        return components
    }

    /// Checks that a symbolic link at `linkComponents` (relative to the target) with target `target` cannot lead
    /// outside the target: the target must be relative, and its `..` components must all come first and climb no
    /// higher than the target directory. (A `..` after a name could climb out through another symbolic link.)
    static func checkSymlinkTarget(_ target: [UInt8], linkComponents: [[UInt8]], name: String)
        throws(BackupStreamError)
    {
        guard !target.isEmpty, !target.contains(0) else {
            throw .unsafeMember(name: name, reason: "symbolic link with an empty target or a NUL byte in it")
        }
        guard target.first != 0x2f else {
            throw .unsafeMember(
                name: name, reason: "symbolic link to the absolute path \"\(String(decoding: target, as: UTF8.self))\"")
        }
        let parts = target.split(separator: 0x2f).filter { $0 != [0x2e] }
        let climbs = parts.prefix { $0.elementsEqual([0x2e, 0x2e]) }.count
        guard !parts.dropFirst(climbs).contains(where: { $0.elementsEqual([0x2e, 0x2e]) }) else {
            throw .unsafeMember(name: name, reason: "symbolic link target has '..' after a name")
        }
        guard climbs <= linkComponents.count - 1 else {
            throw .unsafeMember(
                name: name,
                reason: "symbolic link \"\(String(decoding: target, as: UTF8.self))\" points outside the target directory")
        }
    }

    private static func trimmingTrailingSlashes(_ name: [UInt8]) -> [UInt8] {
        var result = name
        while result.count > 1, result.last == 0x2f { result.removeLast() }
        return result
    }
}
