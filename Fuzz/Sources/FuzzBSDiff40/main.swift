import FuzzSupport
import FuzzTargets

runFuzzer { data, size in
    FuzzTargets.bsdiff40(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
