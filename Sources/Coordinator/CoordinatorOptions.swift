import Foundation
import WireRuntime

/// The coordinator's command line:
/// `--data DIR --shards N [--shard-executable PATH] [--max-restarts N] [--restart-window SECONDS] [--storage sqlite|postgres]
/// [--log-format text|json] [--restore-window W]` (W: `RestoreWindow`, else `TETHER_RESTORE_WINDOW`, else 30d); or
/// `--data DIR --report jobs`, which asks the running coordinator
/// of DIR for its unfinished jobs and prints them (`JobReport`).
struct CoordinatorOptions: Equatable {
    /// Shard counts beyond this are refused: each shard is a process with its own database.
    static let maxShards = 256

    var layout: ClusterLayout
    var shardCount: Int
    var shardExecutable: String
    /// More restarts of one shard than this within the window cool it down before the next.
    var intensity: RestartIntensity
    /// Where the shards keep their partitions; passed on to each shard.
    var storage: StorageChoice
    /// How every process of the cluster writes its log lines; passed on to each shard.
    var logFormat: Log.Format
    /// How long a restorable delete keeps what it deleted after it finished; 0: every delete is permanent.
    var restoreWindow: RestoreWindow
    /// Set: print this report of the running coordinator instead of being one.
    var report: Report?

    enum Report: String, Equatable {
        case jobs
    }

    /// `executable` is this program's path; the shard binary defaults to its sibling `shard`.
    /// `environment` holds the PostgreSQL server's connection string, when `--storage postgres`, and
    /// the restore window when `--restore-window` is not given.
    init(arguments: [String], executable: String, environment: [String: String] = [:]) throws(ProcessOptions.UsageError) {
        let options = try ProcessOptions(
            arguments,
            known: [
                "data", "shards", "shard-executable", "max-restarts", "restart-window", "storage", "log-format", "report", "restore-window",
            ])
        layout = ClusterLayout(dataDirectory: try options.require("data"))
        shardCount = try options.integer("shards", default: 4, in: 1...Self.maxShards)
        intensity = RestartIntensity(
            maxRestarts: try options.integer("max-restarts", default: RestartIntensity.standard.maxRestarts, in: 0...10_000),
            window: .seconds(try options.integer("restart-window", default: 60, in: 1...86_400)))
        storage = try StorageChoice(flag: options.string("storage"), environment: environment)
        logFormat = try Log.Format(flag: options.string("log-format"))
        restoreWindow = try RestoreWindow(flag: options.string("restore-window"), environment: environment)
        if let text = options.string("report") {
            guard let report = Report(rawValue: text) else { throw ProcessOptions.UsageError("--report must be jobs, got \(text)") }
            self.report = report
        }
        shardExecutable = options.string("shard-executable")
            ?? URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("shard").path
    }
}
