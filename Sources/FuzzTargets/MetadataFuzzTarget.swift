import DeltaCore

extension FuzzTargets {
    /// Reads arbitrary bytes as a patch list, a Manifest and an alternate-digest database, and
    /// checks that every entry parsed is written back to a line that parses to the same entry.
    /// Errors are expected and typed; a crash, a hang, or a round trip that changes an entry
    /// (which traps here, so that libFuzzer reports it) is a bug.
    /// - Returns: the number of entries parsed, for the replay test to see the parsers at work.
    @discardableResult
    public static func metadata(_ input: UnsafeRawBufferPointer) -> Int {
        let text = String(decoding: input, as: UTF8.self)
        var parsed = 0
        for strict in [false, true] {
            let options = MetadataReadOptions(strict: strict)
            if let (list, problems) = try? PatchList.parse(text, path: "patches", options: options) {
                for problem in problems { _ = problem.description }
                for entry in list.entries {
                    parsed += 1
                    guard let line = try? entry.line() else { preconditionFailure("a parsed entry must be writable") }
                    precondition(
                        (try? PatchListEntry(line: Substring(line))) == entry, "patch list round trip changed: \(line)")
                }
            }
            if let (manifest, problems) = try? Manifest.parse(text, path: "Manifest", options: options) {
                for problem in problems { _ = problem.description }
                parsed += manifest.entries.count
            }
        }
        // The fetcher's config file and Portage's ${DIGESTS}: typed errors or values, nothing else.
        var settings = FetchSettings()
        if (try? settings.read(configText: text, path: "deltafetch.conf")) != nil {
            parsed += settings.patchSources.count + settings.mirrors.count
        }
        if let expected = (try? ExpectedDistfile.parse(portageDigests: text)) ?? nil {
            parsed += expected.digests.count
        }
        for line in text.split(separator: "\n") {
            guard let entry = try? AlternateDigestEntry(line: line) else { continue }
            parsed += 1
            guard let written = try? entry.line() else { preconditionFailure("a parsed entry must be writable") }
            precondition(
                (try? AlternateDigestEntry(line: Substring(written))) == entry,
                "database round trip changed: \(written)")
        }
        return parsed
    }
}
