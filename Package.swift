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

let package = Package(
    name: "tether-bulk",
    products: [
        .executable(name: "gateway", targets: ["Gateway"]),
        .executable(name: "coordinator", targets: ["Coordinator"]),
        .executable(name: "shard", targets: ["Shard"]),
    ],
    targets: [
        // The one shim for the C the toolchain does not expose: SQLite, libpq,
        // epoll, pidfd, prctl, ucred and OpenSSL's libcrypto.
        .systemLibrary(
            name: "CSystem",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev", "libssl-dev", "libpq-dev"])]
        ),
        .target(name: "Wire", dependencies: ["CSystem"], swiftSettings: strictness),
        // The API's OpenAPI document (docs/openapi.yaml links to it) and the live job page, served
        // at GET /openapi.yaml and GET /jobs/{jobId} as they were when the gateway was built.
        .executableTarget(
            name: "Gateway", dependencies: ["Wire", "CSystem"], resources: [.copy("Resources/openapi.yaml"), .copy("Resources/job.html")], swiftSettings: strictness),
        .executableTarget(name: "Coordinator", dependencies: ["Wire", "CSystem"], swiftSettings: strictness),
        .executableTarget(name: "Shard", dependencies: ["Wire", "CSystem"], swiftSettings: strictness),
        // What several test targets use: a raw HTTP client, a seeded generator, polling.
        .target(name: "TestSupport", dependencies: ["Wire"], path: "Tests/TestSupport", swiftSettings: strictness),
        .testTarget(name: "WireTests", dependencies: ["Wire", "TestSupport"], swiftSettings: strictness),
        .testTarget(name: "GatewayTests", dependencies: ["Gateway", "Wire", "TestSupport"], swiftSettings: strictness),
        .testTarget(name: "CoordinatorTests", dependencies: ["Coordinator", "Wire", "TestSupport"], swiftSettings: strictness),
        .testTarget(name: "ShardTests", dependencies: ["Shard", "Wire", "CSystem", "TestSupport"], swiftSettings: strictness),
        // Starts the real binaries over real sockets; depends on them so that
        // `swift test` builds them first.
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["Wire", "TestSupport", "Gateway", "Coordinator", "Shard"],
            swiftSettings: strictness
        ),
    ],
    swiftLanguageModes: [.v6]
)
