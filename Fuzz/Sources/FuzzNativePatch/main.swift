import FuzzSupport
import FuzzTargets

runFuzzer { data, size in
    FuzzTargets.nativePatch(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
