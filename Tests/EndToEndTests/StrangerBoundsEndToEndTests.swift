#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing

/// What a client without a token can make the gateway hold, on a real cluster: a route that
/// needs a token refuses at the head, before any body is sent; one address holds a bounded
/// number of connections; a stranger's head must arrive promptly.
@Suite(.serialized) struct StrangerBoundsEndToEndTests {
    /// Sends `head` alone and reads until the gateway closes, waiting up to `seconds`.
    private static func answerToHead(_ head: String, port: UInt16, waiting seconds: Int = RawHTTPClient.timeoutSeconds) throws
        -> (response: RawHTTPResponse, took: Duration)
    {
        let fd = try RawHTTPClient.connectTCP(port: port)
        defer { close(fd) }
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let started = ContinuousClock.now
        RawHTTPClient.sendAll(fd, head)
        let bytes = RawHTTPClient.readUntilClosed(fd)
        return (try RawHTTPClient.parse(bytes), started.duration(to: .now))
    }

    /// One connection of a stranger's flood: a 1 MB body declared and none of it sent. The 401
    /// comes at once, not once a body that will be refused has arrived.
    @Test func aMissingOrBadTokenIs401BeforeAnyOfTheBodyIsSent() throws {
        let cluster = try TestCluster(shards: 1)
        try cluster.start()
        defer { cluster.stop() }
        let heads = [
            "POST /api/contacts/query-count HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n",
            "POST /api/contacts/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer not.a.token\r\nTransfer-Encoding: chunked\r\n\r\n",
            "DELETE /api/contacts/query-bulk-delete HTTP/1.1\r\nHost: x\r\nAuthorization: Basic dTpw\r\nContent-Length: 1000000\r\n\r\n",
        ]
        for head in heads {
            let (response, took) = try Self.answerToHead(head, port: cluster.port)
            #expect(response.status == 401, "\(head): \(response)")
            #expect(response.json["error"] as? String == "Unauthorized" && response.json["message"] is String, "\(response)")
            #expect(response.headers["connection"] == "close")
            #expect(took < .seconds(5), "\(head) was answered after \(took)")
        }
        // A valid token's request is read whole and answered as before.
        let admin = try cluster.token(org: "org-a", user: "u1")
        let counted = try cluster.send("POST", "/api/contacts/query-count", token: admin, body: #"{"orgWide":true}"#)
        #expect(counted.status == 200 && counted.json["count"] as? Int == 0, "\(counted)")
    }

    @Test func oneAddressHoldsAtMostItsConnectionsAndIsToldSo() throws {
        let cluster = try TestCluster(shards: 1, environment: ["TETHER_MAX_CONNECTIONS_PER_ADDRESS": "3"])
        try cluster.start()
        defer { cluster.stop() }
        var held = try (0..<3).map { _ in try RawHTTPClient.connectTCP(port: cluster.port) }
        defer { held.forEach { close($0) } }
        usleep(200_000)  // accepted before the next one comes
        let refused = try RawHTTPClient.exchange(port: cluster.port, request: "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(refused.status == 429, "\(refused)")
        #expect(refused.headers["retry-after"] == "1")
        #expect((refused.json["message"] as? String)?.contains("limit of 3 connections per address") == true, "\(refused)")
        close(held.removeFirst())
        usleep(200_000)
        #expect(try cluster.get("/healthz").status == 200, "a closed connection gives its place back")
    }

    /// A head trickled by a client that has shown no token is cut off at its budget (10 s), long
    /// before the 30 s any request has.
    @Test func aStrangersHeadThatDoesNotArriveIs408AfterItsBudget() throws {
        let cluster = try TestCluster(shards: 1)
        try cluster.start()
        defer { cluster.stop() }
        let (response, took) = try Self.answerToHead("GET /api/contacts/stats HTTP/1.1\r\nHost: x\r\n", port: cluster.port, waiting: 25)
        #expect(response.status == 408, "\(response)")
        #expect((response.json["message"] as? String)?.contains("request head did not arrive within 10") == true, "\(response)")
        #expect(took >= .seconds(10) && took < .seconds(20), "\(took)")
    }
}
