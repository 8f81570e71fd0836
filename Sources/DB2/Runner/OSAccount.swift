#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// An OS account from the password database: what a process needs to run as it.
public struct OSAccount: Sendable, Equatable {
    public let name: String
    public let uid: uid_t
    public let gid: gid_t
    public let home: String
    /// Supplementary groups, as `initgroups(3)` would set them.
    public let groups: [gid_t]

    /// The account named `name`, or nil when there is none.
    ///
    /// Blocking (reads the password and group databases): call it off the cooperative pool.
    public static func lookup(_ name: String) -> OSAccount? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getpwnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        let uid = entry.pw_uid
        let gid = entry.pw_gid
        let home = String(cString: entry.pw_dir)
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, gid, &groups, &count) == -1 {
            groups = [gid_t](repeating: 0, count: Int(count))
            _ = getgrouplist(name, gid, &groups, &count)
        }
        return OSAccount(name: name, uid: uid, gid: gid, home: home, groups: Array(groups.prefix(Int(max(count, 0)))))
    }

    /// Whether an account of that name exists.
    public static func exists(_ name: String) -> Bool { lookup(name) != nil }
}
