import ArgumentParser
import DeltaCore
import DeltaTransport
import Foundation

/// The flags every planning command shares (`plan`, `fetch`): where lists and the Manifest
/// come from and how to plan. They are the top layer of ``FetchSettings``, resolved by
/// ``resolvedSettings()`` over the config file and the environment, so every command sees
/// the same effective settings.
struct FetchSettingsOptions: ParsableArguments {
    @Option(name: .customLong("patches"), help: "A patch list to read (repeatable).")
    var patchLists: [String] = []

    @Option(help: "The Manifest giving the distfile's size and digests (default: the package directory's).")
    var manifest: String?

    @Option(
        help:
            "A package directory of a Portage tree: its `patches`, its Manifest and the tree's profiles/patches.global are used."
    )
    var packageDir: String?

    @Flag(help: "Make any malformed line in a patch list or Manifest fatal.")
    var strict = false

    @Flag(help: "Refuse patch list lines whose only hash is MD5 (also `require-strong-hashes = yes` in the config).")
    var requireStrongHashes = false

    @Option(
        help:
            "The alternate-digest database (default: the config's alternate-digests, $DELTAFETCH_ALTERNATE_DIGESTS, or DISTDIR/.deltafetch/alternate-digests)."
    )
    var alternateDigests: String?

    @Option(
        help:
            "Patch only when the chain costs less than this fraction of a full download (default: the config's worth-it-ratio, else GLEP 25's 1.0)."
    )
    var worthItRatio: Double?

    @Option(help: "What to minimise: bytes (GLEP 25) or time (download at --bandwidth against the rebuild's cost).")
    var prefer: FetchPreference?

    @Option(help: "The link's speed in bytes per second, with k, M or G (e.g. 50M); needed by --prefer time.")
    var bandwidth: String?

    func validate() throws {
        if let worthItRatio, worthItRatio <= 0 { throw ValidationError("--worth-it-ratio must be above 0") }
        if let bandwidth, RateParser.bytesPerSecond(bandwidth) == nil {
            throw ValidationError("--bandwidth '\(bandwidth)' is not a rate such as 500k, 20M or 1.5G")
        }
    }

    /// The flags as the settings' top layer; `adding` fills in the command's own flags.
    func overrides(adding extra: (inout FetchSettings.Overrides) throws -> Void = { _ in }) rethrows
        -> FetchSettings.Overrides
    {
        var overrides = FetchSettings.Overrides()
        overrides.alternateDigests = alternateDigests
        overrides.worthItRatio = worthItRatio
        overrides.requireStrongHashes = requireStrongHashes
        overrides.preference = prefer
        overrides.bandwidth = bandwidth.flatMap(RateParser.bytesPerSecond)
        try extra(&overrides)
        return overrides
    }

    /// Where the distfile's lists and Manifest come from.
    var sources: DistfileSources {
        DistfileSources(patchLists: patchLists, packageDirectory: packageDir, manifestPath: manifest)
    }
}

extension FetchPreference: ExpressibleByArgument {}

/// The effective settings: defaults, the config file, the environment, then `overrides`.
/// A bad config file is a usage error (exit 64), reported as `FILE:LINE: reason`.
func resolvedSettings(_ overrides: FetchSettings.Overrides = FetchSettings.Overrides()) throws -> FetchSettings {
    do {
        return try FetchSettings.load(environment: ProcessInfo.processInfo.environment).applying(overrides)
    } catch {
        throw ValidationError("\(error)")
    }
}

/// Fails unless `path` is a directory.
func requireDirectory(_ path: String) throws {
    guard FileSystem.isDirectory(path) else {
        throw ValidationError("distdir '\(path)' is not a directory")
    }
}

/// Prepares a request as every command does, printing the warnings; a preparation error is
/// a usage error (exit 64).
func prepareFetch(target: String, distdir: String, options: FetchSettingsOptions, settings: FetchSettings) throws
    -> FetchRequest
{
    let prepared: PreparedFetch
    do {
        prepared = try FetchRequest.prepare(
            target: target, distdir: distdir, sources: options.sources, settings: settings,
            mode: .commandLine(strict: options.strict))
    } catch {
        Console.writeDiagnostic("deltafetch: error: \(error)")
        throw ExitCode(64)
    }
    for warning in prepared.warnings { Console.writeDiagnostic("warning: \(warning)") }
    return prepared.request
}
