import DeltaCore
import Foundation
import Testing

/// The measurements file: averaging, expiry, bounds, hostile contents and concurrent writers.
@Suite struct ThroughputMemoryTests {
    @Test func samplesAverageAndRoundTripThroughTheFile() throws {
        var memory = ThroughputMemory()
        memory.add(.link(host: "a.example:8080"), bytes: 4_000_000, seconds: 1, now: 1000)
        memory.add(.link(host: "a.example:8080"), bytes: 1_000_000, seconds: 1, now: 1010)
        // A third of the way from 4 MB/s towards 1 MB/s.
        #expect(memory.rate(.link(host: "a.example:8080")) == 3e6)
        memory.add(.recompress(.gzip), bytes: 30_000_000, seconds: 2, now: 1010)
        memory.add(.serialRecompress(.xz), bytes: 30_000_000, seconds: 10, now: 1010)
        memory.add(.apply, bytes: 1 << 20, seconds: 0.01, now: 1010)
        memory.add(.link(host: "tiny.example"), bytes: 1000, seconds: 1, now: 1010)
        #expect(memory.rate(.link(host: "tiny.example")) == nil, "a tiny transfer measures latency, not throughput")
        let (again, warnings) = ThroughputMemory.parse(memory.serialized(), path: "m", now: 1020)
        #expect(warnings.isEmpty)
        #expect(again == memory)
        #expect(again.figures[.link(host: "a.example:8080")]?.samples == 2)
        #expect(again.rate(.serialRecompress(.xz)) == 3e6 && again.rate(.recompress(.xz)) == nil)
        #expect(memory.serialized().contains("\nrecompress-serial xz 3000000 1010 1\n"))
    }

    /// A plan assumes a recipe that shares the work out; the serial figure is what a fetch
    /// weighs once its patch shows a serial recipe.
    @Test func theModelKeepsSerialAndParallelRecompressionApart() {
        var memory = ThroughputMemory()
        memory.add(.recompress(.gzip), bytes: 40_000_000, seconds: 1, now: 0)
        memory.add(.serialRecompress(.gzip), bytes: 20_000_000, seconds: 1, now: 0)
        var model = RebuildCostModel(bandwidth: 1e6)
        let adopted = model.adopt(memory)
        #expect(adopted)
        #expect(model.recompressSeconds(name: "a.tar.gz", uncompressedBytes: 40_000_000) == 1)
        #expect(model.recompressSeconds(name: "a.tar.gz", uncompressedBytes: 40_000_000, parallel: false) == 2)
        // Without a serial figure the serial estimate is the built-in one-core figure.
        #expect(
            RebuildCostModel(bandwidth: 1e6).recompressSeconds(
                name: "a.tar.xz", uncompressedBytes: 3_000_000, parallel: false) == 1)
    }

    @Test func oldFiguresAreForgottenAndTheFileStaysBounded() {
        var memory = ThroughputMemory()
        memory.add(.recompress(.xz), bytes: 1 << 20, seconds: 1, now: 0)
        let later = ThroughputMemory.maximumAge + 1
        #expect(ThroughputMemory.parse(memory.serialized(), path: "m", now: later).memory.rate(.recompress(.xz)) == nil)
        for index in 0..<(ThroughputMemory.maximumEntries + 40) {
            memory.add(.link(host: "host\(index).example"), bytes: 1 << 20, seconds: 1, now: Int64(index))
        }
        #expect(memory.figures.count == ThroughputMemory.maximumEntries)
        #expect(memory.rate(.link(host: "host0.example")) == nil, "the oldest go first")
        #expect(memory.rate(.link(host: "host\(ThroughputMemory.maximumEntries + 39).example")) != nil)
    }

    /// A corrupt or hostile file is ignored line by line, with a warning naming the line.
    @Test func malformedLinesAreSkippedWithTheirLineNumbers() {
        let text = """
            # header
            link good.example 1000000 100 1
            link bad.example NaN 100 1
            link neg.example -5 100 1
            recompress zip 100 100 1
            apply x 100 100 1
            link \(String(repeating: "h", count: 300)) 100 100 1
            garbage
            link many.example 1 2 3 4
            decompress xz 50000000 100 0

            """
        let (memory, warnings) = ThroughputMemory.parse(text, path: "/d/.deltafetch/measurements", now: 200)
        #expect(memory.figures.count == 1)
        #expect(memory.rate(.link(host: "good.example")) == 1e6)
        #expect(warnings.map { $0.split(separator: ":")[1] } == ["3", "4", "5", "6", "7", "8", "9", "10"])
        #expect(warnings.allSatisfy { $0.hasPrefix("/d/.deltafetch/measurements:") })
    }

    /// Concurrent fetches record into one file: no update is lost, the file always parses.
    @Test func concurrentRecordersLoseNothing() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("deltafetch/measurements").path
        DispatchQueue.concurrentPerform(iterations: 16) { index in
            try? ThroughputMemory.record(
                [ThroughputMemory.Sample(.link(host: "h\(index)"), bytes: 1 << 20, seconds: 1)],
                path: path, now: 1000)
        }
        let (memory, warnings) = ThroughputMemory.load(path: path, now: 1000)
        #expect(warnings.isEmpty)
        #expect(memory.figures.count == 16)
    }

    /// A recorder killed mid-write leaves its temporary file; the next fetch clears it under
    /// the lock every recorder takes (found by the fault soak; the digest cache works the same).
    @Test func deadWritersTemporariesAreClearedUnderTheLock() throws {
        let directory = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("measurements").path
        try ThroughputMemory.record([ThroughputMemory.Sample(.apply, bytes: 1 << 20, seconds: 1)], path: path, now: 1)
        let dead = directory.appendingPathComponent(".measurements.deltafetch-Ab12Cd").path
        let other = directory.appendingPathComponent(".digest-cache.deltafetch-Ef34Gh").path
        try Data([1]).write(to: URL(fileURLWithPath: dead))
        try Data([2]).write(to: URL(fileURLWithPath: other))
        AtomicFileWriter.removeDeadWriters(of: path)
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect(FileManager.default.fileExists(atPath: other), "another file's writer takes no such lock")
        #expect(ThroughputMemory.load(path: path, now: 1).memory.rate(.apply) != nil)
    }

    @Test func anUnwritableDirectoryOnlyLosesTheMemory() throws {
        #expect(throws: FileSystemError.self) {
            try ThroughputMemory.record(
                [ThroughputMemory.Sample(.apply, bytes: 1 << 20, seconds: 1)],
                path: "/proc/deltafetch-nowhere/measurements", now: 1)
        }
        #expect(ThroughputMemory.load(path: "/proc/deltafetch-nowhere/measurements", now: 1).memory.figures.isEmpty)
    }
}
