import Testing
@testable import Gateway

@Suite struct ConnectionsPerAddressTests {
    @Test func refusesAnAddressAtItsLimitAndNoOther() {
        var table = ConnectionsPerAddress(limit: 3)
        let admitted = (0..<4).map { _ in table.admit("10.0.0.1") }
        #expect(admitted == [true, true, true, false])
        let other = table.admit("10.0.0.2")
        #expect(other)
        #expect(table.count(of: "10.0.0.1") == 3)
        table.release("10.0.0.1")
        let again = [table.admit("10.0.0.1"), table.admit("10.0.0.1")]
        #expect(again == [true, false], "a closed connection gives its place back, and only its own")
    }

    /// The table holds only connected addresses, so the many a server meets in its life cost nothing once gone.
    @Test func forgetsAnAddressWhoseConnectionsAreAllClosed() {
        var table = ConnectionsPerAddress(limit: 2)
        var admitted = 0
        for index in 0..<1_000 {
            if table.admit("10.0.\(index / 256).\(index % 256)") { admitted += 1 }
            table.release("10.0.\(index / 256).\(index % 256)")
        }
        #expect(admitted == 1_000)
        #expect(table.addressCount == 0)
        table.release("never seen")  // a stray release does not count below zero
        #expect(table.count(of: "never seen") == 0 && table.addressCount == 0)
    }
}
