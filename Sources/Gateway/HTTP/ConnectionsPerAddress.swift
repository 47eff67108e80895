/// How many connections each peer address holds, against `GatewayLimits.maxConnectionsPerAddress`.
///
/// Pure: the server asks `admit` on accept and calls `release` on close.
struct ConnectionsPerAddress {
    let limit: Int
    private var open: [String: Int] = [:]

    init(limit: Int) { self.limit = limit }

    /// Counts one more connection from `address`, or refuses it (false) when that address holds `limit`.
    mutating func admit(_ address: String) -> Bool {
        let held = open[address, default: 0]
        guard held < limit else { return false }
        open[address] = held + 1
        return true
    }

    /// Forgets one connection from `address`; an address with none left is dropped, so the table
    /// holds only addresses that are connected.
    mutating func release(_ address: String) {
        guard let held = open[address] else { return }
        open[address] = held > 1 ? held - 1 : nil
    }

    /// Connections held by `address`.
    func count(of address: String) -> Int { open[address, default: 0] }

    /// Addresses holding at least one connection.
    var addressCount: Int { open.count }
}
