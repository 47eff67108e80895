#if canImport(Glibc)
import Glibc
#endif
import Foundation
import TestSupport
import Testing
import Wire

/// An import cut short says what it kept: a chunked body past the cluster's import
/// limit, or one that stops arriving, is answered with the counts stored and `stoppedAtLine`, and
/// nothing from that line on is stored, so resending from it imports every line exactly once.
@Suite(.serialized) struct ImportStopEndToEndTests {
    /// Contacts without an `_id`: a line stored twice would be two contacts.
    private static func lines(_ range: Range<Int>) -> [String] {
        range.map { index in
            index == 4 ? #"{"name":42}"# : #"{"name":"C\#(index)","email":"c\#(index)@x.io","tags":["\#(String(repeating: "t", count: 150))"]}"#
        }
    }

    /// A chunked request of `lines` in chunks of `perChunk` lines, without the last chunk when `ended` is false.
    private static func chunked(_ lines: [String], perChunk: Int, token: String, ended: Bool = true) -> [UInt8] {
        var text = "POST /api/contacts/import HTTP/1.1\r\nAuthorization: Bearer \(token)\r\nTransfer-Encoding: chunked\r\n\r\n"
        for start in stride(from: 0, to: lines.count, by: perChunk) {
            let chunk = lines[start..<min(start + perChunk, lines.count)].map { $0 + "\n" }.joined()
            text += String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n"
        }
        return Array((ended ? text + "0\r\n\r\n" : text).utf8)
    }

    private static func contacts(_ cluster: TestCluster, _ token: String) throws -> Int? {
        try cluster.send("GET", "/api/contacts/stats", token: token).json["contacts"] as? Int
    }

    @Test(arguments: ClusterStorage.allCases)
    func aChunkedImportPastTheLimitSaysWhereItStoppedAndResumingThereImportsEachLineOnce(storage: ClusterStorage) throws {
        let cluster = try TestCluster(shards: 2, storage: storage, environment: ["TETHER_MAX_IMPORT_BYTES": "100000"])
        defer { cluster.stop() }
        try cluster.start()
        let token = try cluster.token(org: "o", user: "u")
        // About 170 kB in chunks of 7 lines: the limit falls in the middle of the body, and of a line.
        let all = Self.lines(1..<1_001)
        let answer = try RawHTTPClient.exchange(port: cluster.port, bytes: Self.chunked(all, perChunk: 7, token: token))
        #expect(answer.status == 413, "\(answer)")
        let stoppedAt = try #require(answer.json["stoppedAtLine"] as? Int, "\(answer)")
        #expect(stoppedAt > 100 && stoppedAt < 1_000, "\(answer)")
        let imported = answer.json["imported"] as? [String: Int]
        // Line 4 is rejected; every other line before the stop is stored, and none after it.
        #expect(imported?["contacts"] == stoppedAt - 2, "\(answer)")
        #expect(answer.json["rejectedTotal"] as? Int == 1, "\(answer)")
        #expect(try Self.contacts(cluster, token) == stoppedAt - 2)
        #expect((answer.json["message"] as? String)?.contains("from line \(stoppedAt) on in a new request") == true, "\(answer)")
        let logged = cluster.logs().split(separator: "\n").first { $0.contains("import for org o by ") && $0.contains("; stopped at line ") }
        #expect(logged?.contains(" warning: import for org o by ") == true, "\(logged ?? "")")
        #expect(logged?.contains(": imported \(stoppedAt - 2) contacts, ") == true, "\(logged ?? "")")
        #expect(logged?.contains("; 1 lines rejected; stopped at line \(stoppedAt) with 413: ") == true, "\(logged ?? "")")

        let rest = try cluster.send("POST", "/api/contacts/import", token: token, body: all[(stoppedAt - 1)...].joined(separator: "\n"))
        #expect(rest.status == 200, "\(rest)")
        #expect(try Self.contacts(cluster, token) == 999)
    }

    @Test func anImportThatStopsArrivingIsAnswered408WithWhatItKept() throws {
        let cluster = try TestCluster(shards: 2, environment: ["TETHER_BODY_IDLE_TIMEOUT_MS": "300"])
        defer { cluster.stop() }
        try cluster.start()
        let token = try cluster.token(org: "o", user: "u")
        // Ten whole lines and the start of an eleventh, then nothing: the client holds the connection.
        var request = Self.chunked(Self.lines(1..<11), perChunk: 10, token: token, ended: false)
        request += Array("5\r\n{\"nam\r\n".utf8)
        let fd = try RawHTTPClient.connectTCP(port: cluster.port)
        defer { close(fd) }
        _ = RawHTTPClient.sendAll(fd, request)
        let answer = try RawHTTPClient.parse(RawHTTPClient.readUntilClosed(fd))
        #expect(answer.status == 408, "\(answer)")
        #expect(answer.json["stoppedAtLine"] as? Int == 11, "\(answer)")
        #expect((answer.json["imported"] as? [String: Int])?["contacts"] == 9, "\(answer)")
        #expect(try Self.contacts(cluster, token) == 9)
    }
}
