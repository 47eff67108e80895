#if canImport(Glibc)
import Glibc
#endif
import WireRuntime

/// The lock that keeps a second process off a shard's partition: `flock` on a
/// file beside the database, held for as long as the store is open.
///
/// SQLite's `locking_mode=EXCLUSIVE` did this before, but it also forbids the
/// second connection that lets reads run beside the writer. The kernel drops the
/// lock with the process, so a SIGKILLed shard never leaves it behind.
final class PartitionLock {
    private var descriptor: Int32

    /// Takes the lock on `path` (created when absent); throws `StoreError.partitionLocked`
    /// when another process (or another store in this one) holds it.
    init(path: String) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw SystemCallError(call: "open", errno: errno, context: path) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            close(descriptor)
            guard reason == EWOULDBLOCK else { throw SystemCallError(call: "flock", errno: reason, context: path) }
            throw StoreError.partitionLocked(path: path)
        }
        self.descriptor = descriptor
    }

    deinit { release() }

    /// Lets the next process for this partition in, before this one is gone (a clean shutdown).
    func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }
}
