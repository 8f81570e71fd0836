import AgentSupport
#if canImport(Glibc)
import Glibc
#endif

/// The OS accounts this agent created (`create_user`, the users of `prepare`), by login and uid: the only accounts
/// `delete_user` may remove. Kept in `<state_dir>/created-os-accounts`, one `<login> <uid>` line each.
///
/// Why a file of the agent's own rather than a marker group that the agent's accounts join:
/// - It records the uid the account got, so an account removed and made again under the same name by someone else
///   (an operator's `useradd`) is not taken for the agent's.
/// - Nothing new becomes visible to DB2, which authorizes OS groups too (`GRANT ... TO GROUP`): a group shared by
///   every Trove user would be a principal that one tenant user with DBADM could grant to, reaching all the others.
/// - A group of a fixed name may already exist on the image, with members the agent never added, and the agent
///   could not tell; `state_dir` is root's alone (the journal lives there too) and nobody else writes in it.
///
/// Crash safety: the file is replaced atomically and durably (``DirectoryHandle/replaceFile(_:contents:mode:uid:gid:)``).
/// The agent records an account right after `useradd` made it; a crash between the two leaves an account that
/// `delete_user` will keep (and say so): the agent errs on keeping an account, never on deleting one.
///
/// Blocking: call it off the cooperative pool. Not synchronised: the manager changes users one at a time.
struct CreatedAccountRegistry: Sendable {
    static let fileName = "created-os-accounts"
    static let header = "# OS accounts created by trove-db2-agent (login uid); delete_user removes only these\n"
    /// The file is small (one short line per Trove user); anything larger is not one of ours.
    static let sizeLimit = 4 << 20

    /// `state_dir`.
    let directory: String

    var path: String { directory.hasSuffix("/") ? directory + Self.fileName : directory + "/" + Self.fileName }

    /// The recorded accounts, login → uid (an absent file: none).
    func load() throws(PathFailure) -> [String: uid_t] {
        guard let state = try openDirectory(creating: false),
            let bytes = try state.readFile(Self.fileName, limit: Self.sizeLimit)
        else { return [:] }
        var accounts: [String: uid_t] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let uid = uid_t(fields[1]) else { continue }
            accounts[String(fields[0])] = uid
        }
        return accounts
    }

    /// The uid recorded for `login`, or nil when the agent did not create an account of that name.
    func uid(of login: String) throws(PathFailure) -> uid_t? {
        try load()[login]
    }

    /// Records that the agent created `login` with `uid`.
    func record(_ login: String, uid: uid_t) throws(PathFailure) {
        var accounts = try load()
        accounts[login] = uid
        try save(accounts)
    }

    /// Forgets `login` (its account was removed, or is no longer the one the agent made).
    func forget(_ login: String) throws(PathFailure) {
        var accounts = try load()
        guard accounts.removeValue(forKey: login) != nil else { return }
        try save(accounts)
    }

    private func save(_ accounts: [String: uid_t]) throws(PathFailure) {
        let text = Self.header + accounts.keys.sorted().map { "\($0) \(accounts[$0] ?? 0)\n" }.joined()
        guard let state = try openDirectory(creating: true) else { return }
        try state.replaceFile(Self.fileName, contents: Array(text.utf8), mode: 0o600, uid: nil, gid: nil)
    }

    /// `state_dir`, created (mode 0700) when asked; nil when it does not exist and was not to be created.
    private func openDirectory(creating: Bool) throws(PathFailure) -> DirectoryHandle? {
        do throws(PathFailure) {
            return try DirectoryHandle.open(directory, creatingMissing: creating ? 0o700 : nil)
        } catch {
            if error.code == ENOENT && !creating { return nil }
            throw error
        }
    }
}
