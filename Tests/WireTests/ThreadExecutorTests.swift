#if canImport(Glibc)
import Glibc
#endif
import CLinux
import Foundation
import Testing
@testable import WireRuntime

/// An actor whose jobs run on a `ThreadExecutor`, reporting the thread they ran on.
private actor OnItsThread {
    let executor: ThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    init(_ executor: ThreadExecutor) { self.executor = executor }

    /// The kernel's name for the thread and its nice value.
    func thread() -> (name: String, niceness: Int32) {
        let id = tether_thread_id()
        let name = (try? String(contentsOfFile: "/proc/self/task/\(id)/comm", encoding: .utf8)) ?? ""
        errno = 0
        return (name.trimmingCharacters(in: .newlines), getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(id)))
    }
}

@Suite struct ThreadExecutorTests {
    /// What `top -H` and `perf` show, and what the scheduler weighs: a shard's writer and the
    /// gateway's import parsing give way to reads only at their lower priority.
    @Test func jobsRunOnOneThreadWithItsNameAndPriority() async {
        let executor = ThreadExecutor(name: "test-bulk", niceness: ThreadExecutor.bulkWorkNiceness)
        defer { executor.shutdown() }
        let actor = OnItsThread(executor)
        let first = await actor.thread()
        #expect(first.name == "test-bulk")
        #expect(first.niceness == ThreadExecutor.bulkWorkNiceness)
        #expect(ThreadExecutor.bulkWorkNiceness > 0)
        let second = await actor.thread()
        #expect(second.name == first.name && second.niceness == first.niceness)
    }
}
