/// What a verified token says about its bearer: who, in which organization, with which role, and
/// when the token stops (and starts) being valid.
struct Claims: Sendable, Equatable {
    /// `sub`: the user id.
    var subject: String
    /// `orgId`: every read and write is scoped to it.
    var orgId: String
    /// `role`; a token without one is an agent's.
    var role: Role
    /// `exp`, Unix seconds.
    var expiresAt: Int64
    /// `nbf`, Unix seconds, when the token carries one.
    var notBefore: Int64?

    /// What the bearer may do: owners and admins change data, agents only read.
    enum Role: String, Sendable, CaseIterable {
        case owner, admin, agent

        /// The role a token without a `role` claim gets: the one that may do least.
        static let `default` = Role.agent

        /// Whether endpoints that change data accept this role.
        var canWrite: Bool {
            switch self {
            case .owner, .admin: true
            case .agent: false
            }
        }
    }
}
