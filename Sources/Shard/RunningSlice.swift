import Wire
import WireTransport

/// A slice this shard runs, as its runner keeps it between batches: everything the runner
/// knows of one job is here, so a slice that ends is one removal and nothing of it lingers.
struct RunningSlice {
    /// What the job does.
    let kind: JobKind
    /// Where its progress goes: the connection that assigned it last.
    var connection: Connection
    /// Asked to stop at its next batch boundary.
    var stopping = false
    /// Its next batch's size.
    var sizer = BatchSizer()
    /// Its pace here (this shard's share of the job's throttle); nil: as fast as it goes.
    var pace: Pace?
    /// When its progress was last reported; nil: not yet.
    var lastReport: ContinuousClock.Instant?
    /// Its counters as last counted into the shard's metrics.
    var counted: DeleteCounters

    /// Whether its next batch may start at `now`: a stop always may; a throttled slice once its pace allows.
    func mayGo(at now: ContinuousClock.Instant) -> Bool {
        stopping || pace?.isDue(at: now) ?? true
    }
}
