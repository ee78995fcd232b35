import FuzzSupport
import FuzzTargets

runFuzzer { data, size in
    FuzzTargets.vcdiff(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
