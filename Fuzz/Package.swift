// swift-tools-version: 6.1
//
// libFuzzer targets, one per decoder and parser, over DeltaCore's public API. Kept apart from
// the main package so that its build stays free of sanitizer flags. Build and run one with:
//
//   swift build --package-path Fuzz -c release --product FuzzDecoders
//   Fuzz/.build/release/FuzzDecoders -max_total_time=60 Tests/DeltaCoreTests/Fuzz/FuzzDecoders
//
// Inputs that once crashed or found a bug are committed under Tests/DeltaCoreTests/Fuzz/<Target>/
// and replayed by the normal test suite (FuzzCorpusReplayTests).

import PackageDescription

let fuzzFlags: [SwiftSetting] = [.unsafeFlags(["-sanitize=fuzzer,address"])]
let fuzzLink: [LinkerSetting] = [.unsafeFlags(["-sanitize=fuzzer,address", "-use-ld=lld"])]

func fuzzTarget(_ name: String) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["FuzzSupport", .product(name: "FuzzTargets", package: "deltafetch")],
        swiftSettings: fuzzFlags,
        linkerSettings: fuzzLink
    )
}

let package = Package(
    name: "DeltaFuzz",
    dependencies: [.package(name: "deltafetch", path: "..")],
    targets: [
        .target(name: "FuzzSupport", swiftSettings: fuzzFlags),
        fuzzTarget("FuzzDecoders"),
        fuzzTarget("FuzzBSDiff40"),
        fuzzTarget("FuzzVCDiff"),
        fuzzTarget("FuzzRecipes"),
        fuzzTarget("FuzzMetadata"),
        fuzzTarget("FuzzNativePatch"),
        fuzzTarget("FuzzReconstruction"),
    ]
)
