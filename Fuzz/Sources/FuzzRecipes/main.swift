import FuzzSupport
import FuzzTargets

runFuzzer { data, size in
    FuzzTargets.recipes(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
