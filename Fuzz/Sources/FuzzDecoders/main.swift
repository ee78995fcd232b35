import FuzzSupport
import FuzzTargets

runFuzzer { data, size in
    FuzzTargets.decoders(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
