import Foundation
import Testing

@testable import DeltaCore

/// The exact candidates are tried several at once: whatever the number of jobs, the search
/// must find the same recipe after the same count of candidates (the first one in the list's
/// order that reproduces the member), or none.
@Suite struct ParallelCandidateSearchTests {
    /// Committed files whose recipes come from early, middle and late candidates, and from
    /// none (reconstruction).
    static let files = [
        "six-1.17.0.tar.gz",  // zlib -9, among the first candidates
        "six-1.17.0.tar.gzip-9-rsyncable.gz",  // gzip --rsyncable, after the flush points
        "six-1.17.0.tar.pigz-9-b32.gz",  // pigz with 32 KiB blocks
        "go-flate/six-1.17.0.tar.go6.gz",  // Go's levels, first for a Go stream
        "miniz-oxide/six-1.17.0.tar.miniz6.gz",  // after zlib's likeliest levels
        "libdeflate/six20k.libdeflate-9.gz",  // after zlib's likeliest and miniz_oxide's
        "deflate-reconstruction/six40k.7zip-9.gz",  // no candidate: every one is tried
    ]

    @Test func theSearchIsTheSameWithAnyNumberOfJobs() throws {
        var counts: [Int] = []
        for name in Self.files {
            let file = [UInt8](try Data(contentsOf: URL(fileURLWithPath: TestPaths.testdata(name))))
            let content = try GzipDecoder().transform(file)
            let searches = try [1, 2, 5].map { jobs in
                try file.withUnsafeBytes { member in
                    try content.withUnsafeBytes { content in
                        try GzipRecipeSearch.searchMember(
                            member, content: content, previous: nil, provesReconstruction: false, jobs: jobs)
                    }
                }
            }
            let sequential = searches[0]
            counts.append(sequential.candidatesTried)
            for (jobs, parallel) in zip([2, 5], searches.dropFirst()) {
                #expect(parallel.recipe == sequential.recipe, "\(name): another recipe with \(jobs) jobs")
                #expect(
                    parallel.candidatesTried == sequential.candidatesTried,
                    "\(name): \(parallel.candidatesTried) candidates tried with \(jobs) jobs, \(sequential.candidatesTried) with one"
                )
            }
            let recipe = try #require(sequential.recipe, "\(name): \(sequential.reason ?? "")")
            #expect(
                try recipe.makeEncoder().transform(content) == file, "\(name): the recipe does not rebuild the file")
        }
        // The files reach both ends: a recipe from the first candidate, and many tried.
        #expect(counts.contains(1) && counts.contains { $0 > 20 }, "candidates tried: \(counts)")
    }
}
