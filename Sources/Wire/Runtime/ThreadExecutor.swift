#if canImport(Glibc)
import Glibc
#endif
import CLinux
import Foundation

/// A serial executor whose jobs all run on one dedicated thread.
///
/// An actor that uses it (`unownedExecutor`) may block — a long SQLite step,
/// an fsync — without taking one of the cooperative pool's two threads, and a
/// SQLite handle it owns is only ever touched from that one thread.
package final class ThreadExecutor: SerialExecutor, @unchecked Sendable {
    // Invariant for @unchecked Sendable: `jobs` and `stopping` are guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var stopping = false

    /// How much lower bulk work is scheduled than the threads that answer requests: a shard's
    /// batches, the gateway's import parsing. On a busy machine a batch takes a little longer;
    /// another tenant's read does not wait for a CPU behind it. The value trades the two: a
    /// higher one shortens the reads' tail and slows the large jobs more (`scripts/bench
    /// fairness`; each value's figures in docs/benchmarks.md, "Reads and bulk work on two cores").
    package static let bulkWorkNiceness: Int32 = 2

    /// Starts the thread, which keeps the executor alive until `shutdown`. A positive
    /// `niceness` lowers its scheduling priority (Linux schedules threads one by one).
    package init(name: String, niceness: Int32 = 0) {
        let thread = Thread { [self] in
            // Named from inside, by the kernel's own call: set from outside before `start`, the kernel
            // never sees the name, and Foundation's `Thread.current.name` can leave the thread with
            // the name it inherited from the pool thread that created it.
            _ = tether_set_process_name(String(name.utf8.prefix(15)) ?? name)
            if niceness != 0 { setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(tether_thread_id()), niceness) }
            run()
        }
        thread.start()
    }

    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    package func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Lets the thread end once the jobs already queued have run.
    package func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty && stopping {
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedSerialExecutor()) }
        }
    }
}
