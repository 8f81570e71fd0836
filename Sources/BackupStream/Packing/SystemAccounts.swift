#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials

/// User and group names ↔ ids from the system's account database, with the reentrant (`_r`) calls so that
/// several pipelines can look up at once. Each instance caches what it looked up; used by one thread.
final class SystemAccounts {
    private var userNames: [uid_t: [UInt8]] = [:]
    private var groupNames: [gid_t: [UInt8]] = [:]
    private var userIDs: [[UInt8]: uid_t?] = [:]
    private var groupIDs: [[UInt8]: gid_t?] = [:]

    /// The name of user `uid`, or empty when it has none.
    func userName(_ uid: uid_t) -> [UInt8] {
        Self.cached(&userNames, uid) {
            Self.lookUp({ getpwuid_r(uid, $0, $1, $2, $3) }) { (entry: passwd) in Self.bytes(entry.pw_name) } ?? []
        }
    }

    /// The name of group `gid`, or empty when it has none.
    func groupName(_ gid: gid_t) -> [UInt8] {
        Self.cached(&groupNames, gid) {
            Self.lookUp({ getgrgid_r(gid, $0, $1, $2, $3) }) { (entry: group) in Self.bytes(entry.gr_name) } ?? []
        }
    }

    /// The id of the user named `name`, when it exists here.
    func userID(_ name: [UInt8]) -> uid_t? {
        Self.cached(&userIDs, name) {
            FileNameBytes.withCString(name) { cName in
                Self.lookUp({ getpwnam_r(cName, $0, $1, $2, $3) }) { (entry: passwd) in entry.pw_uid }
            }
        }
    }

    /// The id of the group named `name`, when it exists here.
    func groupID(_ name: [UInt8]) -> gid_t? {
        Self.cached(&groupIDs, name) {
            FileNameBytes.withCString(name) { cName in
                Self.lookUp({ getgrnam_r(cName, $0, $1, $2, $3) }) { (entry: group) in entry.gr_gid }
            }
        }
    }

    private static func cached<Key: Hashable, Value>(_ cache: inout [Key: Value], _ key: Key, _ compute: () -> Value)
        -> Value
    {
        if let known = cache[key] { return known }
        let value = compute()
        cache[key] = value
        return value
    }

    /// Runs a `get*_r` call with a buffer that grows while the call reports `ERANGE`, and reads the entry with
    /// `read` while its strings (which point into the buffer) are valid.
    private static func lookUp<Entry, Value>(
        _ call: (UnsafeMutablePointer<Entry>, UnsafeMutablePointer<CChar>, Int, UnsafeMutablePointer<UnsafeMutablePointer<Entry>?>) -> Int32,
        read: (Entry) -> Value
    ) -> Value? {
        var size = 1024
        while size <= 1 << 20 {
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: size)
            defer { buffer.deallocate() }
            let entry = UnsafeMutablePointer<Entry>.allocate(capacity: 1)
            defer { entry.deallocate() }
            var result: UnsafeMutablePointer<Entry>?
            let status = call(entry, buffer, size, &result)
            if status == ERANGE {
                size *= 2
                continue
            }
            guard status == 0, result != nil else { return nil }
            return read(entry.pointee)
        }
        return nil
    }

    private static func bytes(_ string: UnsafeMutablePointer<CChar>?) -> [UInt8] {
        guard let string else { return [] }
        return Array(UnsafeRawBufferPointer(start: string, count: strlen(string)))
    }
}
