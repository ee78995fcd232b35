// swift-tools-version:6.0
// A bench tool (not part of the product): deflate reconstruction payload sizes and analysis
// times with and without segments, for bench/deflate-reconstruction-segments.sh.
import PackageDescription

let package = Package(
    name: "segment-sizes",
    dependencies: [.package(name: "deltafetch", path: "../..")],
    targets: [
        .executableTarget(
            name: "segment-sizes", dependencies: [.product(name: "DeltaCore", package: "deltafetch")])
    ]
)
