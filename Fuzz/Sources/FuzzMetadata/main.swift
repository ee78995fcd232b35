import FuzzSupport
import FuzzTargets

runFuzzer { data, size in
    FuzzTargets.metadata(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
