import DeltaCore

/// libFuzzer target: every input is an untrusted native patch applied to a fixed base.
/// Build with `-sanitize=fuzzer,address`; crashing inputs go to
/// Tests/DeltaCoreTests/Fuzz/NativePatchFuzz/, where `swift test` replays them.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    NativePatchFuzzing.applyToFixedBase(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
