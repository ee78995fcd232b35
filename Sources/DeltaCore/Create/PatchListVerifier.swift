/// What `mkpatch verify` found wrong with one entry of a patch list.
public enum VerificationError: DeltaCoreError, Equatable {
    /// The patch file is not where the list says.
    case patchMissing(String)
    /// The base file is not in the distdir.
    case baseMissing(String)
    /// A file's size or a digest differs from the list. `part` is "patch", "base" or "result".
    case mismatch(part: String, file: String, detail: String)
    /// Applying the patch failed.
    case applyFailed(String, reason: String)

    public var description: String {
        switch self {
        case let .patchMissing(path): "patch \(path) not found"
        case let .baseMissing(path): "base \(path) not found"
        case let .mismatch(part, file, detail): "\(part) \(file): \(detail)"
        case let .applyFailed(patch, reason): "applying \(patch) failed: \(reason)"
        }
    }
}

/// The outcome of verifying a patch list.
public struct VerificationReport: Sendable {
    /// Entries checked.
    public var entriesChecked: Int
    /// Entries that passed every check.
    public var entriesPassed: Int
    /// One `LIST:LINE: reason` per failed check or malformed line.
    public var failures: [FileError]
}

/// GLEP 25 patch lists checked the way a client would use them: each patch's size and
/// digests, each base's, and the result of applying it.
public enum PatchListVerifier {
    /// Verifies every entry of the list at `listPath`.
    /// - Parameters:
    ///   - distdir: where the base files are.
    ///   - patchDirectory: where the patches are; by default beside the list. A patch named by
    ///     URL is looked up there by its last path component.
    ///   - scratchDirectory: where results are rebuilt (removed afterwards).
    public static func verify(
        listPath: String, distdir: String, patchDirectory: String? = nil,
        scratchDirectory: String = "/tmp"
    ) throws -> VerificationReport {
        let document = try PatchListDocument.load(path: listPath)
        let patches = patchDirectory ?? Paths.directory(of: listPath)
        var failures = document.problems
        var passed = 0
        for (line, entry) in document.numberedEntries {
            let problems = try check(entry, patches: patches, distdir: distdir, scratch: scratchDirectory)
            failures += problems.map { FileError(path: listPath, line: line, underlying: $0) }
            if problems.isEmpty { passed += 1 }
        }
        failures.sort { ($0.line ?? 0) < ($1.line ?? 0) }
        return VerificationReport(
            entriesChecked: document.numberedEntries.count, entriesPassed: passed, failures: failures)
    }

    /// The duplicates and contradictions among the entries of `listPaths` taken together (as
    /// a client merges `profiles/patches.global` and a package's `patches`), each naming
    /// both lines; see ``PatchListMerge``.
    /// - Throws: ``FileSystemError`` when a list cannot be read.
    public static func conflicts(listPaths: [String]) throws -> [PatchListConflict] {
        var listed = [ListedPatchEntry]()
        for path in listPaths {
            listed += try PatchListDocument.load(path: path).numberedEntries.map {
                ListedPatchEntry(entry: $0.entry, path: path, line: $0.line)
            }
        }
        return PatchListMerge.merge(listed).conflicts
    }

    private static func check(_ entry: PatchListEntry, patches: String, distdir: String, scratch: String) throws
        -> [VerificationError]
    {
        let patchName = Paths.name(of: entry.patchLocation)
        let patchPath = Paths.join(patches, patchName)
        let basePath = Paths.join(distdir, entry.baseName)
        var problems = [VerificationError]()
        if let problem = compare(
            file: patchPath, part: "patch", expected: entry.patch, missing: .patchMissing(patchPath))
        {
            problems.append(problem)
        }
        if let problem = compare(file: basePath, part: "base", expected: entry.base, missing: .baseMissing(basePath)) {
            problems.append(problem)
        }
        guard problems.isEmpty else { return problems }

        let work = try WorkDirectory(in: scratch)
        let result = work.path(entry.targetName.isEmpty ? "result" : entry.targetName)
        do {
            try PatchFileApplier.apply(basePath: basePath, patchPath: patchPath, outputPath: result)
        } catch {
            return [.applyFailed(patchPath, reason: String(describing: error))]
        }
        if let problem = compare(
            file: result, part: "result", expected: entry.target, missing: .applyFailed(patchPath, reason: "no output"))
        {
            problems.append(problem)
        }
        return problems
    }

    /// Compares a file's size and the digests the list gives for it.
    private static func compare(file: String, part: String, expected: HashedPart, missing: VerificationError)
        -> VerificationError?
    {
        let wanted = expected.digests
        let actual: DigestSet
        do {
            actual = try FileInspector.inspect(path: file, algorithms: Array(wanted.digests.keys)).compressed
        } catch let error as FileSystemError where error.operation == .open {
            return missing
        } catch {
            return .mismatch(part: part, file: file, detail: String(describing: error))
        }
        if actual.size != wanted.size {
            return .mismatch(part: part, file: file, detail: "size is \(actual.size), the list says \(wanted.size)")
        }
        for (algorithm, digest) in wanted.digests.sorted(by: { $0.key > $1.key }) where actual[algorithm] != digest {
            return .mismatch(
                part: part, file: file,
                detail: "\(algorithm.rawValue) is \(actual[algorithm]?.hex ?? "?"), the list says \(digest.hex)")
        }
        return nil
    }
}
