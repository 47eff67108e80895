/// Which running slice writes its next batch: orgs take turns, and within an org
/// its jobs do, so that one tenant's small delete is not queued behind another's
/// million, nor one org's ten jobs given ten times the turns of another's one. Pure.
///
/// ```
/// orgs:  A ──▶ B ──▶ A ──▶ B …        A: jobs a1, a2     B: job b1
/// turns: a1    b1    a2    b1    a1 …
/// ```
struct BatchTurns {
    /// Orgs in the order their turns come, the next first.
    private var orgs: [String] = []
    /// Each org's jobs in the order their turns come, the next first.
    private var jobs: [String: [String]] = [:]

    var isEmpty: Bool { orgs.isEmpty }

    /// Adds `jobId` of `org`; its first turn comes after those already waiting.
    mutating func add(_ jobId: String, org: String) {
        if jobs[org] == nil { orgs.append(org) }
        guard jobs[org, default: []].contains(jobId) == false else { return }
        jobs[org, default: []].append(jobId)
    }

    /// Removes `jobId`, wherever its turn was.
    mutating func remove(_ jobId: String) {
        for (org, queue) in jobs where queue.contains(jobId) {
            let rest = queue.filter { $0 != jobId }
            jobs[org] = rest.isEmpty ? nil : rest
            if rest.isEmpty { orgs.removeAll { $0 == org } }
        }
    }

    /// The next job whose turn it is among those `ready` lets go (a throttled job may have to
    /// wait), moving it and its org to the back; nil when none is ready.
    mutating func next(where ready: (String) -> Bool = { _ in true }) -> String? {
        for (orgPosition, org) in orgs.enumerated() {
            guard let queue = jobs[org], let position = queue.firstIndex(where: ready) else { continue }
            let jobId = queue[position]
            var rotated = queue
            rotated.remove(at: position)
            rotated.append(jobId)
            jobs[org] = rotated
            orgs.remove(at: orgPosition)
            orgs.append(org)
            return jobId
        }
        return nil
    }
}
