/// Why a restore passed a kept record by, as its job's errors list it: the same words from every
/// engine, as the API documents them and clients may match them.
enum RestorePassedBy {
    /// Its id is live again (imported since the delete): the live record stays as it is now.
    static let idInUse = "id in use"
    /// A kept application whose contact is not live (a later delete took it): put back, it would
    /// name a contact that is gone, which no application may.
    static let contactNotFound = "contact not found"
}
