// swift-tools-version: 6.1
import PackageDescription

/// Weir: a streaming anomaly and time-series engine.
/// Targets are split so that a change rebuilds little: pure value types in WeirCore,
/// every librdkafka call in WeirKafka, the runtime in WeirStream, the CLI in `weir`.
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

let package = Package(
    name: "Weir",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "weir", targets: ["weir"]),
        .library(name: "WeirStream", targets: ["WeirStream"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    ],
    targets: [
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka",
                       providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
        .target(name: "WeirCore", swiftSettings: strict),
        .target(name: "WeirMath", dependencies: ["CBLAS", "WeirCore"], swiftSettings: strict),
        .target(name: "WeirFormats",
                dependencies: ["WeirCore", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
                exclude: ["Protobuf/record.proto"], swiftSettings: strict),
        .target(name: "WeirTraining", dependencies: ["WeirFormats", "WeirMath", "WeirCore", "WeirRCF"], swiftSettings: strict),
        .target(name: "WeirRCF", dependencies: ["WeirMath", "WeirCore"], swiftSettings: strict),
        .target(name: "WeirRegistry",
                dependencies: ["WeirCore", "WeirRCF", .product(name: "GRDB", package: "GRDB.swift")],
                swiftSettings: strict),
        .target(name: "WeirKafka",
                dependencies: ["CRdKafka", "WeirCore", .product(name: "Logging", package: "swift-log")],
                swiftSettings: strict),
        .target(name: "WeirStream",
                dependencies: [
                    "WeirCore", "WeirKafka", "WeirRCF", "WeirRegistry",
                    .product(name: "Logging", package: "swift-log"),
                    .product(name: "Metrics", package: "swift-metrics"),
                    .product(name: "Prometheus", package: "swift-prometheus"),
                    .product(name: "Yams", package: "Yams"),
                ],
                swiftSettings: strict),
        .executableTarget(name: "weir",
                          dependencies: [
                              "WeirStream", "WeirKafka", "WeirCore", "WeirFormats", "WeirTraining", "WeirMath", "WeirRegistry", "WeirRCF",
                              .product(name: "ArgumentParser", package: "swift-argument-parser"),
                              .product(name: "Logging", package: "swift-log"),
                              .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                          ],
                          swiftSettings: strict),
        .executableTarget(name: "weir-math-bench", dependencies: ["WeirMath"], path: "benchmarks/weir-math-bench",
                          swiftSettings: strict),
        .executableTarget(name: "weir-formats-bench", dependencies: ["WeirFormats"], path: "benchmarks/weir-formats-bench",
                          swiftSettings: strict),
        .executableTarget(name: "weir-rcf-bench", dependencies: ["WeirRCF"], path: "benchmarks/weir-rcf-bench",
                          swiftSettings: strict),
        .target(name: "WeirTestSupport", dependencies: ["WeirKafka", "WeirCore"], path: "Tests/WeirTestSupport",
                swiftSettings: strict),
        .testTarget(name: "WeirCoreTests", dependencies: ["WeirCore"], swiftSettings: strict),
        .testTarget(name: "WeirMathTests", dependencies: ["WeirMath", "WeirCore"], swiftSettings: strict),
        .testTarget(name: "WeirFormatsTests", dependencies: ["WeirFormats", "WeirCore"],
                    resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "WeirTrainingTests", dependencies: ["WeirTraining", "WeirFormats", "WeirMath", "WeirCore", "WeirTestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "WeirRCFTests", dependencies: ["WeirRCF", "WeirMath", "WeirCore", "WeirTestSupport"], swiftSettings: strict),
        .testTarget(name: "WeirRegistryTests", dependencies: ["WeirRegistry", "WeirRCF", "WeirCore", "WeirTestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "WeirKafkaTests", dependencies: ["WeirKafka", "WeirCore", "WeirTestSupport"], swiftSettings: strict),
        .testTarget(name: "WeirStreamTests", dependencies: ["WeirStream", "WeirKafka", "WeirCore", "WeirMath", "WeirRCF", "WeirRegistry", "WeirTestSupport"],
                    swiftSettings: strict),
    ]
)
