#if canImport(Glibc)
import Glibc
#endif

/// Who owns the files, directories and links a restore creates. Never the archive's owners: a backup is
/// untrusted input, and restoring the owners it names (as `tar` does as root) would let it plant, say, a
/// setuid-root file in a directory another account can read.
public enum RestoredOwner: Sendable, Equatable {
    /// The process's effective user and group (what it creates is its own anyway).
    case process
    /// These ids (the DB2 instance owner, for instance). Giving files to another user needs root.
    case ids(uid: uid_t, gid: gid_t)
    /// Whoever owns the target directory when the restore opens it (the process itself when the restore creates
    /// it): the agent's restore directory belongs to the mount point's owner, the DB2 instance owner.
    case targetDirectory
}
