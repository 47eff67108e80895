#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: which call, on what, and errno.
package struct SystemCallError: Error, Equatable, CustomStringConvertible {
    package let call: String
    package let errno: Int32
    package let context: String

    package init(call: String, errno: Int32, context: String = "") {
        self.call = call
        self.errno = errno
        self.context = context
    }

    package var description: String {
        let target = context.isEmpty ? "" : " on \(context)"
        return "\(call)\(target): \(String(cString: strerror(errno))) (errno \(errno))"
    }
}

/// The result of a call on a non-blocking descriptor.
package enum IOResult<T> {
    case done(T)
    case wouldBlock
}

/// Wraps every system call the same way: retries `EINTR`, reports
/// `EAGAIN` as `.wouldBlock`, throws other errors with errno and the call's
/// name, and traps on `EBADF`/`EFAULT`, which can only be our own bugs.
@discardableResult
package func systemCall<T: BinaryInteger>(
    _ name: String, _ context: @autoclosure () -> String = "", _ body: () -> T
) throws -> IOResult<T> {
    while true {
        let result = body()
        if result >= 0 { return .done(result) }
        let error = errno
        switch error {
        case EINTR: continue
        case EAGAIN, EWOULDBLOCK: return .wouldBlock
        case EBADF, EFAULT: preconditionFailure("\(name): \(String(cString: strerror(error))) — a descriptor or buffer bug")
        default: throw SystemCallError(call: name, errno: error, context: context())
        }
    }
}

/// `systemCall` for calls that are never expected to block.
@discardableResult
package func systemCallBlocking<T: BinaryInteger>(
    _ name: String, _ context: @autoclosure () -> String = "", _ body: () -> T
) throws -> T {
    switch try systemCall(name, context(), body) {
    case .done(let value): return value
    case .wouldBlock: throw SystemCallError(call: name, errno: EAGAIN, context: context())
    }
}
