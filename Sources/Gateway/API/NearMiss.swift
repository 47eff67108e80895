/// The name someone probably meant when they typed `typed`: one of `known`
/// that differs only in case or by at most two edits (insertions, deletions,
/// substitutions), one for a name under six characters (two edits turn `page`
/// into `tags`: half of the name is no typo). Used so a misspelt key or
/// parameter is refused naming the intended one, instead of being ignored.
enum NearMiss {
    static func suggestion(for typed: String, among known: some Sequence<String>) -> String? {
        let typed = Array(typed.lowercased())
        return known.sorted().first { candidate in
            let wanted = Array(candidate.lowercased())
            let allowed = wanted.count < 6 ? 1 : 2
            // No number of allowed edits can bridge a bigger difference in length (and a huge name costs nothing).
            guard abs(typed.count - wanted.count) <= allowed else { return false }
            return editDistance(typed, wanted) <= allowed
        }
    }

    /// Levenshtein distance.
    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, y) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
