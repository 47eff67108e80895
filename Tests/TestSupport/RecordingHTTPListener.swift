#if canImport(Glibc)
import Glibc
#endif
import Foundation
package import Synchronization
import Wire

/// A TCP listener on 127.0.0.1 that records every byte clients send it and answers each
/// connection with one canned HTTP response: what a client script really sent, TLS handshake
/// or plain request, is then for the test to inspect.
package final class RecordingHTTPListener: Sendable {
    package let port: UInt16
    /// Everything received, connection after connection.
    package let received = Mutex<[UInt8]>([])
    private let fd: Int32
    private let answer: @Sendable (_ request: String) -> String

    /// Starts accepting at once, on a thread of its own; `answer` gives the whole response to a request's text.
    package init(answer: @escaping @Sendable (_ request: String) -> String) throws {
        (fd, port) = try RawHTTPClient.bindLoopback(listening: true)
        self.answer = answer
        let thread = Thread { [self] in acceptUntilStopped() }
        thread.start()
    }

    /// Stops accepting: `accept` fails once the socket is shut down, and the thread ends.
    package func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    /// What was received, as text (binary bytes replaced).
    package var text: String { String(decoding: received.withLock { $0 }, as: UTF8.self) }

    private func acceptUntilStopped() {
        while true {
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            serve(client)
        }
    }

    /// Reads a request head and the body its Content-Length announces, or whatever comes
    /// before a second of silence (a TLS handshake never ends a head), then answers and closes.
    private func serve(_ client: Int32) {
        defer { close(client) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while !Self.complete(request) {
            let count = recv(client, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            request += buffer[0..<count]
        }
        received.withLock { $0 += request }
        RawHTTPClient.sendAll(client, answer(String(decoding: request, as: UTF8.self)))
    }

    /// True when `bytes` hold a whole head and as much body as its Content-Length says.
    private static func complete(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<headEnd.lowerBound].lowercased()
        let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        return text[headEnd.upperBound...].utf8.count >= length
    }
}
