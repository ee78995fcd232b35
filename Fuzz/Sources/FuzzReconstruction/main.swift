import FuzzSupport
import FuzzTargets

runFuzzer { data, size in
    FuzzTargets.reconstruction(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
