#if canImport(Glibc)
import Glibc
#endif

/// The target `TETHER_FUZZ_TARGET` names, read once: each fuzz binary holds the
/// targets of one module and `scripts/fuzz` picks one per run.
let selectedFuzzTarget: @Sendable ([UInt8]) -> Void = {
    let name = getenv("TETHER_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = fuzzTargets[name] else {
        fatalError("TETHER_FUZZ_TARGET must be one of \(fuzzTargets.keys.sorted()), got \"\(name)\"")
    }
    return target
}()

/// libFuzzer calls this once per input; a trap (a crash or a failed property) is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selectedFuzzTarget(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
