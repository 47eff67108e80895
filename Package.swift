// swift-tools-version:6.0
import PackageDescription

/// Upcoming features we opt into everywhere: explicit `any`, and imports that
/// stay internal unless a file says otherwise.
let strictness: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    // Wire's generic codec is called from every process's hot path (import
    // batches, progress); without this, release builds call it unspecialized,
    // paying a metadata lookup per field.
    .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
]

/// Every part of Wire: what the coordinator and the shards build on (both keep data, in SQLite or
/// on PostgreSQL), and what the tests that reach into several parts depend on.
let allOfWire: [Target.Dependency] = ["Wire", "WireRuntime", "WireTransport", "StorageDriver", "SQLiteDriver", "PostgresDriver"]

let package = Package(
    name: "tether-bulk",
    products: [
        .executable(name: "gateway", targets: ["Gateway"]),
        .executable(name: "coordinator", targets: ["Coordinator"]),
        .executable(name: "shard", targets: ["Shard"]),
    ],
    targets: [
        // One shim per C library, so that each binary links only the libraries it calls: the
        // internet-facing gateway carries neither database client (EndToEndTests/LinkedLibrariesTests).
        // What Glibc's module hides (epoll, eventfd, pidfd, prctl, ucred); links nothing.
        .systemLibrary(name: "CLinux", path: "Sources/CSystem/CLinux"),
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSystem/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CPostgres", path: "Sources/CSystem/CPostgres", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCrypto", path: "Sources/CSystem/CCrypto", providers: [.apt(["libssl-dev"])]),
        // Wire's parts live under Sources/Wire, one folder each. `Wire` is the protocol: messages,
        // frames and their codec, with no system calls.
        .target(name: "Wire", path: "Sources/Wire/Codec", swiftSettings: strictness),
        // What every process runs with: options, logs, metrics, pid files, signals, threads, system calls.
        .target(name: "WireRuntime", dependencies: ["Wire", "CLinux"], path: "Sources/Wire/Runtime", swiftSettings: strictness),
        // Unix sockets, the event loop, connections, peer links, and the process runtime that starts the loop.
        .target(
            name: "WireTransport", dependencies: ["Wire", "WireRuntime", "CLinux"], path: "Sources/Wire/Transport", swiftSettings: strictness),
        // What both storage drivers share: bound values and the faults their errors sort into.
        .target(name: "StorageDriver", path: "Sources/Wire/Storage", swiftSettings: strictness),
        .target(name: "SQLiteDriver", dependencies: ["StorageDriver", "CSQLite"], path: "Sources/Wire/SQLite", swiftSettings: strictness),
        .target(
            name: "PostgresDriver", dependencies: ["StorageDriver", "WireRuntime", "CPostgres"], path: "Sources/Wire/Postgres",
            swiftSettings: strictness),
        // The API's OpenAPI document (docs/openapi.yaml links to it) and the live job page, served
        // at GET /openapi.yaml and GET /jobs/{jobId} as they were when the gateway was built.
        .executableTarget(
            name: "Gateway", dependencies: ["Wire", "WireRuntime", "WireTransport", "CCrypto"],
            resources: [.copy("Resources/openapi.yaml"), .copy("Resources/job.html")], swiftSettings: strictness),
        // CCrypto for the SHA-256 that an Idempotency-Key of a permanent delete remembers instead of its filter.
        .executableTarget(name: "Coordinator", dependencies: allOfWire + ["CLinux", "CCrypto"], swiftSettings: strictness),
        .executableTarget(name: "Shard", dependencies: allOfWire + ["CLinux"], swiftSettings: strictness),
        // What several test targets use: a raw HTTP client, a seeded generator, polling.
        .target(name: "TestSupport", dependencies: allOfWire, path: "Tests/TestSupport", swiftSettings: strictness),
        .testTarget(name: "WireTests", dependencies: allOfWire + ["CLinux", "TestSupport"], swiftSettings: strictness),
        .testTarget(name: "GatewayTests", dependencies: ["Gateway", "Wire", "WireRuntime", "WireTransport", "TestSupport"], swiftSettings: strictness),
        .testTarget(name: "CoordinatorTests", dependencies: ["Coordinator", "TestSupport"] + allOfWire, swiftSettings: strictness),
        .testTarget(name: "ShardTests", dependencies: ["Shard", "CSQLite", "TestSupport"] + allOfWire, swiftSettings: strictness),
        // Starts the real binaries over real sockets; depends on them so that
        // `swift test` builds them first.
        .testTarget(
            name: "EndToEndTests",
            dependencies: allOfWire + ["TestSupport", "Gateway", "Coordinator", "Shard"],
            swiftSettings: strictness
        ),
    ],
    swiftLanguageModes: [.v6]
)
