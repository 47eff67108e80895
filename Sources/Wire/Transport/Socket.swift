#if canImport(Glibc)
import Glibc
#endif
import CLinux
import WireRuntime

/// Creating, binding and connecting the sockets every process uses.
///
/// Every descriptor made here is close-on-exec (children spawned by the
/// coordinator must not inherit listeners) and non-blocking once connected.
package enum Socket {
    /// The kernel's limit on a Unix socket path (`sun_path`), less its NUL.
    package static let maxUnixPathBytes = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// A listening Unix-domain socket at `path`; a stale file there is replaced.
    package static func listenUnix(path: String, backlog: Int32 = 128) throws -> Int32 {
        let fd = try systemCallBlocking("socket(AF_UNIX)", path) {
            socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        }
        do {
            unlink(path)
            _ = try withUnixAddress(path) { address, length in
                try systemCallBlocking("bind", path) { bind(fd, address, length) }
            }
            try systemCallBlocking("chmod", path) { chmod(path, 0o600) }
            try systemCallBlocking("listen", path) { listen(fd, backlog) }
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    /// A connected, non-blocking Unix-domain socket. Fails at once (ENOENT,
    /// ECONNREFUSED) when nobody listens, which the reconnect loop retries.
    package static func connectUnix(path: String) throws -> Int32 {
        let fd = try systemCallBlocking("socket(AF_UNIX)", path) {
            socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        }
        do {
            _ = try withUnixAddress(path) { address, length in
                try systemCallBlocking("connect", path) { connect(fd, address, length) }
            }
            try setNonBlocking(fd)
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    /// A listening IPv4 TCP socket; `SO_REUSEADDR` so a restart can rebind at once.
    package static func listenTCP(host: String, port: UInt16, backlog: Int32 = 1024) throws -> Int32 {
        let endpoint = "\(host):\(port)"
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            throw SystemCallError(call: "inet_pton", errno: EINVAL, context: "host \(host) is not an IPv4 address")
        }
        let fd = try systemCallBlocking("socket(AF_INET)", endpoint) {
            socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        }
        do {
            var on: Int32 = 1
            try systemCallBlocking("setsockopt(SO_REUSEADDR)", endpoint) {
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
            }
            _ = try withUnsafePointer(to: &address) { pointer in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                    try systemCallBlocking("bind", endpoint) { bind(fd, generic, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
            try systemCallBlocking("listen", endpoint) { listen(fd, backlog) }
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    /// The port a TCP socket is bound to (the one the kernel chose for port 0).
    package static func localPort(_ fd: Int32) throws -> UInt16 {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                try systemCallBlocking("getsockname") { getsockname(fd, generic, &length) }
            }
        }
        return UInt16(bigEndian: address.sin_port)
    }

    /// Accepts one connection, non-blocking and close-on-exec; nil when none is waiting.
    package static func accept(_ listener: Int32, context: String) throws -> Int32? {
        switch try systemCall("accept4", context, { accept4(listener, nil, nil, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)) }) {
        case .done(let fd): return fd
        case .wouldBlock: return nil
        }
    }

    package static func setNonBlocking(_ fd: Int32) throws {
        let flags = try systemCallBlocking("fcntl(F_GETFL)") { fcntl(fd, F_GETFL) }
        try systemCallBlocking("fcntl(F_SETFL)") { fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    }

    /// The process on the other end of a Unix socket, from `SO_PEERCRED`.
    package static func peerCredentials(_ fd: Int32) throws -> (pid: Int32, uid: UInt32) {
        var credentials = tether_ucred()
        var length = socklen_t(MemoryLayout<tether_ucred>.size)
        try systemCallBlocking("getsockopt(SO_PEERCRED)") { getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) }
        return (credentials.pid, credentials.uid)
    }

    private static func withUnixAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) throws -> T) throws -> T {
        let pathBytes = Array(path.utf8)
        guard pathBytes.count <= maxUnixPathBytes else {
            throw SystemCallError(call: "bind/connect", errno: ENAMETOOLONG, context: "socket path \(path) is \(pathBytes.count) bytes, limit \(maxUnixPathBytes)")
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        return try withUnsafePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                try body(generic, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }
}
