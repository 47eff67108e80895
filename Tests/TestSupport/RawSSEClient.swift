#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// One Server-Sent Event as read off the wire.
package struct SSEEvent: Equatable {
    package var id: String
    package var type: String
    package var data: String
}

/// Subscribes to `GET /api/events` over a raw socket and collects events.
package final class RawSSEClient {
    private let fd: Int32
    private var buffer: [UInt8] = []
    package private(set) var status = 0

    /// Connects and sends the request; `lastEventId` asks for a replay.
    package init(port: UInt16, token: String, lastEventId: String? = nil) throws {
        fd = try RawHTTPClient.connectTCP(port: port)
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let resume = lastEventId.map { "Last-Event-ID: \($0)\r\n" } ?? ""
        RawHTTPClient.sendAll(fd, "GET /api/events HTTP/1.1\r\nAuthorization: Bearer \(token)\r\n\(resume)\r\n")
    }

    deinit { close(fd) }

    /// Reads events until `done` says enough or `timeout` passes; returns every event read.
    package func collect(timeout: Duration, until done: ([SSEEvent]) -> Bool) -> [SSEEvent] {
        var events: [SSEEvent] = []
        let deadline = ContinuousClock.now + timeout
        var chunk = [UInt8](repeating: 0, count: 65536)
        while ContinuousClock.now < deadline && !done(events) {
            let count = recv(fd, &chunk, chunk.count, 0)
            if count == 0 { break }
            if count > 0 { buffer.append(contentsOf: chunk[0..<count]) }
            events += takeEvents()
        }
        return events
    }

    /// Parses whole events (blank-line terminated) out of the buffer; the head first.
    private func takeEvents() -> [SSEEvent] {
        var text = String(decoding: buffer, as: UTF8.self)
        if status == 0 {
            // The response head ends with CRLF CRLF; events may follow it in the same read.
            guard let headEnd = text.range(of: "\r\n\r\n") else { return [] }
            status = Int(text[..<headEnd.lowerBound].split(separator: " ").dropFirst().first ?? "") ?? -1
            text = String(text[headEnd.upperBound...])
        }
        var blocks = text.components(separatedBy: "\n\n")
        let rest = blocks.removeLast()
        buffer = Array(rest.utf8)
        var events: [SSEEvent] = []
        for block in blocks {
            var event = SSEEvent(id: "", type: "", data: "")
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") { event.id = String(line.dropFirst(4)) }
                if line.hasPrefix("event: ") { event.type = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { event.data = String(line.dropFirst(6)) }
            }
            if !event.type.isEmpty { events.append(event) }
        }
        return events
    }
}
