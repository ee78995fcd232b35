// Queries the old (OldPredictor) and new (NewPredictor) reconstruction predictors alike and
// counts differing answers; built by bench/predictor-equivalence.sh.
struct SplitMix { var s: UInt64; mutating func next() -> UInt64 { s &+= 0x9E3779B97F4A7C15; var z = s; z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) &* 0x94D049BB133111EB; return z ^ (z >> 31) }
  mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) } }
var mismatches = 0, checks = 0
for seed in 1...40 {
  var g = SplitMix(s: UInt64(seed))
  let n = 1 + g.int(200_000)
  let alphabet = 1 + g.int(seed % 3 == 0 ? 256 : 4)
  var content = [UInt8](repeating: 0, count: n)
  for i in 0..<n { content[i] = (i > 64 && g.int(3) == 0) ? content[i - 1 - g.int(64)] : UInt8(g.int(alphabet)) }
  let settingsList: [(Int, Int, Bool)] = [(128, 32, false), (128, 0, false), (4, 0, false), (1024, 258, false), (16, 0, true)]
  for (chain, lazy, four) in settingsList {
    content.withUnsafeBytes { c in
      let o = OldPredictor(content: c, settings: .init(chainLimit: chain, lazyLimit: lazy, newestOfFour: four))
      let m = NewPredictor(content: c, settings: .init(chainLimit: chain, lazyLimit: lazy, newestOfFour: four))
      var p = 0
      while p < n {
        let a = o.longestMatch(at: p), b = m.longestMatch(at: p)
        checks += 1
        if a != b { mismatches += 1; if mismatches < 10 { print("longest seed \(seed) p \(p): \(a) vs \(b)") } }
        if lazy > 0 && p + 1 < n {
          let a1 = o.longestMatch(at: p + 1), b1 = m.longestMatch(at: p + 1)
          if a1 != b1 { mismatches += 1 }
        }
        // an index walk for some real match at p: a random earlier copy
        if p >= 3 && n - p >= 3 && g.int(4) == 0 {
          let d = 1 + g.int(min(p, 32768))
          var len = 0
          while len < 258 && p + len < n && content[p + len] == content[p - d + len] { len += 1 }
          if len >= 3 {
            let length = 3 + g.int(len - 2)
            let ia = o.index(ofDistance: d, length: length, at: p), ib = m.index(ofDistance: d, length: length, at: p)
            checks += 1
            if ia != ib { mismatches += 1; if mismatches < 10 { print("index seed \(seed) p \(p) d \(d): \(String(describing: ia)) vs \(String(describing: ib))") } }
            if let ia {
              let da = o.distance(atIndex: ia, length: length, at: p), db = m.distance(atIndex: ia, length: length, at: p)
              if da != db || da != d { mismatches += 1 }
            }
          }
          let k = g.int(50)
          if o.distance(atIndex: k, length: 3, at: p) != m.distance(atIndex: k, length: 3, at: p) { mismatches += 1 }
        }
        p += (a.length >= 3 && g.int(2) == 0) ? a.length : 1
      }
    }
  }
}
print("checks \(checks) mismatches \(mismatches)")
