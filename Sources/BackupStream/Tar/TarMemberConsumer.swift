/// Receives the members of a tar stream from ``TarStreamReader``: one `begin`, the data of regular files in
/// pieces, one `end`.
protocol TarMemberConsumer: AnyObject {
    /// A member starts (its pax and GNU long-name headers already applied). `offset` is its header's position in
    /// the tar stream.
    func beginMember(_ header: TarMemberHeader, offset: Int64) throws
    /// The next piece of a regular file's data (valid only during the call).
    func memberData(_ bytes: UnsafeRawBufferPointer) throws
    /// The member's data is complete.
    func endMember() throws
}
