import DeltaCore
import Synchronization
import Testing

/// Measuring the share of the cores a rebuild can expect.
struct CPUShareTests {
    @Test func aShareStaysWithinItsRange() {
        #expect(CPUShare(0).value == CPUShare.minimum)
        #expect(CPUShare(-3).value == CPUShare.minimum)
        #expect(CPUShare(7).value == 1)
        #expect(CPUShare(.nan).value == 1)
        #expect(CPUShare(0.372).description == "37 % of the CPU")
    }

    @Test func aMeasurementIsAShare() {
        let share = CPUShare.measure(threads: BlockingWork.processorCount, duration: .milliseconds(50))
        #expect(share.value >= CPUShare.minimum && share.value <= 1)
    }

    /// Threads of the same priority spinning on every core, four per core, leave a probe
    /// thread about a fifth of a core; other work of the test run can only lower it further.
    @Test func competingThreadsOfTheSamePriorityShrinkTheShare() {
        let cores = BlockingWork.processorCount
        let stop = Atomic<Bool>(false)
        let spinners = (0..<(4 * cores)).map { _ in
            BlockingWork.start {
                var counter: UInt64 = 0
                while !stop.load(ordering: .relaxed) {
                    for _ in 0..<4096 { counter = counter &* 2_862_933_555_777_941_757 &+ 3 }
                }
                return counter
            }
        }
        let share = CPUShare.measure(threads: cores, duration: .milliseconds(300))
        stop.store(true, ordering: .relaxed)
        _ = spinners.map { $0.wait() }
        #expect(share.value < 0.6, "measured \(share) with \(4 * cores) spinning threads on \(cores) cores")
    }

    /// The speeds a plan uses on a busy machine are the free-core ones times the share.
    @Test func aModelSharingTheCoresIsSlowerByTheShare() {
        let free = RebuildCostModel(bandwidth: 1e6)
        let half = free.sharing(CPUShare(0.5))
        #expect(
            half.recompressSeconds(name: "a.tar.gz", uncompressedBytes: 100_000_000)
                == 2 * free.recompressSeconds(name: "a.tar.gz", uncompressedBytes: 100_000_000))
        #expect(half.downloadSeconds(1_000_000) == free.downloadSeconds(1_000_000))
    }

    /// A rebuild timed while it got a quarter of the cores is remembered as four times as
    /// fast (what free cores give); a link's speed owes nothing to the cores.
    @Test func samplesFromABusyMachineAreRememberedAsFreeCoreFigures() {
        let share = CPUShare(0.25)
        let rebuild = ThroughputMemory.Sample(.recompress(.xz), bytes: 4_000_000, seconds: 8).onFreeCores(share)
        #expect(rebuild.seconds == 2)
        #expect(rebuild.bytes == 4_000_000)
        let link = ThroughputMemory.Sample(.link(host: "m.example"), bytes: 4_000_000, seconds: 8).onFreeCores(share)
        #expect(link.seconds == 8)
    }
}
