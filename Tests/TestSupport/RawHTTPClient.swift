#if canImport(Glibc)
import Glibc
#endif
import Foundation
import WireRuntime

/// A status, headers and body read off a real socket.
package struct RawHTTPResponse: CustomStringConvertible {
    package var status: Int
    package var headers: [String: String]
    package var body: String

    package var description: String { "\(status) \(body)" }

    package var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }
}

/// Sends raw bytes to the gateway and reads one response until the server closes.
///
/// Deliberately tiny and separate from the server's code, so tests check the
/// bytes the gateway really writes.
package enum RawHTTPClient {
    package static let timeoutSeconds = 10

    package static func exchange(port: UInt16, request: String) throws -> RawHTTPResponse {
        try exchange(port: port, bytes: Array(request.utf8))
    }

    package static func exchange(port: UInt16, bytes: [UInt8]) throws -> RawHTTPResponse {
        let fd = try connectTCP(port: port)
        defer { close(fd) }
        // The server may answer and close before reading everything (413, 431).
        sendAll(fd, bytes)
        return try parse(readUntilClosed(fd))
    }

    /// Reads from `fd` until the peer closes or `timeout` seconds pass; the bytes read.
    package static func readUntilClosed(_ fd: Int32) -> [UInt8] {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received.append(contentsOf: buffer[0..<count])
        }
        return received
    }

    /// Writes all of `text` to `fd`.
    package static func sendAll(_ fd: Int32, _ text: String) {
        sendAll(fd, Array(text.utf8))
    }

    /// Writes `bytes` to `fd` until all are taken or the peer stops taking them (it closed or
    /// reset the connection); how many it took.
    @discardableResult
    package static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Int {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { break }
            offset += sent
        }
        return offset
    }

    /// A TCP socket bound to 127.0.0.1 on a port the kernel chose, listening when `listening`;
    /// the socket and its port. The caller closes it.
    package static func bindLoopback(listening: Bool) throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(fd, generic, length) == 0 && getsockname(fd, generic, &length) == 0 && (!listening || listen(fd, 16) == 0)
            }
        }
        guard bound else {
            let error = errno
            close(fd)
            throw SystemCallError(call: "bind", errno: error, context: "a port on 127.0.0.1")
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    package static func connectTCP(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let error = errno
            close(fd)
            throw SystemCallError(call: "connect", errno: error, context: "127.0.0.1:\(port)")
        }
        return fd
    }

    /// Parses every response in `bytes`, returning the first (tests send one request).
    package static func parse(_ bytes: [UInt8]) throws -> RawHTTPResponse {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n") else { throw SystemCallError(call: "parse", errno: EPROTO, context: "no response head in \(text.debugDescription)") }
        let lines = text[..<headEnd.lowerBound].components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw SystemCallError(call: "parse", errno: EPROTO, context: lines[0]) }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "") ?? 0
        let body = String(text[headEnd.upperBound...].utf8.prefix(length)) ?? ""
        return RawHTTPResponse(status: status, headers: headers, body: body)
    }
}
