import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The agent's private directory for CLP job scripts, `$TMPDIR/trove-db2-agent-XXXXXX`: one per agent process,
/// removed when the agent ends (``remove()``), and left-overs of agents that did not end cleanly removed at the
/// next start (``removeStale(in:)``).
///
/// The directory belongs to the agent's user (root), mode 0710 with the instance owner's group, so the owner can
/// read the scripts (each is its own, mode 0600) but can neither rename nor replace anything in it: root never
/// writes where the owner could have put a link.
///
/// While the agent uses it, it holds an exclusive `flock` on the directory, which is how a clean-up at start tells
/// a live agent's directory (another agent on the machine, or a test's) from a left-over one. The directory is
/// first made under a hidden name (`.trove-db2-agent-XXXXXX`, which no clean-up touches) and renamed to its
/// public name only once locked, so a clean-up never sees it unlocked.
final class ScratchDirectory: Sendable {
    static let prefix = "trove-db2-agent-"
    /// `mkdtemp`'s six characters.
    static let suffixAlphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// The directory; its descriptor holds the lock (it was opened under the hidden name, before the rename).
    let directory: DirectoryHandle
    private let parent: DirectoryHandle
    private let name: String
    private let removed = Mutex(false)

    /// `$TMPDIR/trove-db2-agent-XXXXXX`.
    var path: String { parent.path == "/" ? "/" + name : "\(parent.path)/\(name)" }

    private init(directory: DirectoryHandle, parent: DirectoryHandle, name: String) {
        self.directory = directory
        self.parent = parent
        self.name = name
    }

    deinit { remove() }

    /// Makes a new scratch directory in `temporary`, locked, its group `group` (nil: the agent's own).
    ///
    /// Blocking.
    static func create(in temporary: String, group: gid_t?) throws(PathFailure) -> ScratchDirectory {
        let parent = try DirectoryHandle.open(temporary)
        for _ in 0..<16 {
            let suffix = randomSuffix()
            let hidden = "." + prefix + suffix
            let made = mkdirat(parent.descriptor, hidden, 0o700)
            if made != 0, errno == EEXIST { continue }
            guard made == 0 else { throw PathFailure("create", "\(parent.path)/\(hidden)", code: errno) }
            let directory = try parent.openDirectory(hidden)
            guard directory.tryLock() else {
                throw PathFailure("lock", directory.path, code: EWOULDBLOCK, reason: "locked by someone else")
            }
            if let group { try directory.setOwner(uid: nil, gid: group) }
            try directory.setMode(group == nil ? 0o700 : 0o710)
            let name = prefix + suffix
            // Another agent's directory of that name (one chance in 62^6): draw again rather than rename over it.
            if (try? parent.status(of: name)) != nil {
                try? parent.removeDirectory(hidden)
                continue
            }
            guard renameat(parent.descriptor, hidden, parent.descriptor, name) == 0 else {
                let code = errno
                try? parent.removeDirectory(hidden)
                throw PathFailure("rename", directory.path, code: code)
            }
            // The locked descriptor is kept: closing it would release the lock.
            return ScratchDirectory(directory: directory, parent: parent, name: name)
        }
        throw PathFailure("create", "\(parent.path)/\(prefix)XXXXXX", code: EEXIST)
    }

    /// Removes the directory and the scripts in it (once; later calls do nothing).
    ///
    /// Blocking.
    func remove() {
        let first = removed.withLock { done -> Bool in
            if done { return false }
            done = true
            return true
        }
        guard first else { return }
        Self.removeContents(of: directory)
        try? parent.removeDirectory(name)
    }

    /// Removes, from `temporary`, the scratch directories of agents that are gone: only directories (a link is
    /// left alone) named exactly `trove-db2-agent-` and six `mkdtemp` characters, owned by the agent's user, and
    /// not locked by a live agent. Returns their paths.
    ///
    /// Blocking.
    static func removeStale(in temporary: String) throws(PathFailure) -> [String] {
        let parent = try DirectoryHandle.open(temporary)
        var removed: [String] = []
        for name in try parent.entryNames() where isScratchName(name) {
            guard let info = try? parent.status(of: name), info.st_mode & S_IFMT == S_IFDIR,
                info.st_uid == geteuid(), let stale = try? parent.openDirectory(name), stale.tryLock()
            else { continue }
            removeContents(of: stale)
            if (try? parent.removeDirectory(name)) != nil { removed.append(stale.path) }
        }
        return removed
    }

    /// Whether `name` is a scratch directory's name (`trove-db2-agent-` and six letters or digits).
    static func isScratchName(_ name: String) -> Bool {
        guard name.hasPrefix(prefix) else { return false }
        let suffix = name.utf8.dropFirst(prefix.utf8.count)
        return suffix.count == 6 && suffix.allSatisfy(suffixAlphabet.contains)
    }

    /// Unlinks every entry that is not a directory (the agent makes none; one made by someone else is left, and
    /// the directory with it).
    private static func removeContents(of directory: DirectoryHandle) {
        for entry in (try? directory.entryNames()) ?? [] {
            guard let info = try? directory.status(of: entry), info.st_mode & S_IFMT != S_IFDIR else { continue }
            try? directory.removeFile(entry)
        }
    }

    private static func randomSuffix() -> String {
        let alphabet = Array(suffixAlphabet)
        var generator = SystemRandomNumberGenerator()
        return String(decoding: (0..<6).map { _ in alphabet.randomElement(using: &generator)! }, as: UTF8.self)
    }
}
