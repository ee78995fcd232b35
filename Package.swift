// swift-tools-version: 6.1
//
// deltafetch: binary patches between source tarball versions (Gentoo GLEP 25 and beyond).
//
// DeltaCore is the library; `mkpatch` (maintainers, mirrors) and `deltafetch` (package
// managers) are thin command-line front ends over it. The C libraries (zlib, libbz2,
// liblzma, OpenSSL's libcrypto) are wrapped by small system-library targets and are
// imported `internal`ly, so no C type reaches DeltaCore's public API; so is CCPUHints, one
// inline prefetch for the suffix sort.

import PackageDescription

let package = Package(
    name: "deltafetch",
    products: [
        .library(name: "DeltaCore", targets: ["DeltaCore"]),
        .library(name: "DeltaTransport", targets: ["DeltaTransport"]),
        .executable(name: "mkpatch", targets: ["mkpatch"]),
        .executable(name: "deltafetch", targets: ["deltafetch"]),
        // The fuzz targets' bodies, for the libFuzzer executables in Fuzz/ (a separate package).
        .library(name: "FuzzTargets", targets: ["FuzzTargets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        // DeltaTransport only: the HTTP stack stays out of DeltaCore and mkpatch.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Debian's libbz2-dev ships no pkg-config file.
        .systemLibrary(name: "CBZip2", providers: [.apt(["libbz2-dev"])]),
        .systemLibrary(name: "CLZMA", pkgConfig: "liblzma", providers: [.apt(["liblzma-dev"])]),
        // libcrypto only: "openssl" would also link libssl, which we do not use.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // One compiler builtin Swift lacks (a prefetch), for the suffix sort's hot loops.
        .target(name: "CCPUHints"),

        .target(
            name: "DeltaCore",
            dependencies: [
                "CZlib", "CBZip2", "CLZMA", "COpenSSL", "CCPUHints",
            ]
        ),
        .executableTarget(
            name: "mkpatch",
            dependencies: [
                "DeltaCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "deltafetch",
            dependencies: [
                "DeltaCore",
                "DeltaTransport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(name: "FuzzTargets", dependencies: ["DeltaCore"]),
        // Getting files from mirrors: GLEP 75 layouts, failover, resume, locks, verification.
        .target(
            name: "DeltaTransport",
            dependencies: [
                "DeltaCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),

        .testTarget(
            name: "DeltaCoreTests",
            dependencies: [
                "DeltaCore",
                "FuzzTargets",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            // The fuzz corpora are read from the source tree by FuzzCorpusReplayTests.
            exclude: ["Fuzz"]
        ),
        // Real nginx and a fault-injecting NIO server on 127.0.0.1.
        .testTarget(
            name: "DeltaTransportTests",
            dependencies: [
                "DeltaTransport",
                "DeltaCore",
                "deltafetch",
                "mkpatch",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        // Runs the built `mkpatch` and `deltafetch` binaries and checks stdout, stderr and
        // the exit status, as a user or a package manager sees them.
        .testTarget(
            name: "CLITests",
            dependencies: ["mkpatch", "deltafetch"]
        ),
    ]
)
