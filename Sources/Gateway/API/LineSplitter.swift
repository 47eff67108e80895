#if canImport(Glibc)
import Glibc
#endif

/// Cuts a byte stream that arrives in arbitrary pieces into lines (LF, with
/// an optional CR before it), numbering them from 1.
///
/// A line longer than `maxLineBytes` is reported as `.tooLong` once and its
/// bytes are dropped up to its end, so one bad line cannot make us buffer
/// the whole body.
struct LineSplitter {
    enum Line: Equatable {
        case complete(number: Int, bytes: ArraySlice<UInt8>)
        case tooLong(number: Int)
    }

    let maxLineBytes: Int
    private var pending: [UInt8] = []
    private var skippingLongLine = false
    private var lineNumber = 0

    init(maxLineBytes: Int) {
        self.maxLineBytes = maxLineBytes
    }

    /// The first line whose end has not arrived: where a body cut short stops.
    var firstUnendedLine: Int { lineNumber + 1 }

    /// The lines completed by `piece`; a partial last line waits for the next piece.
    mutating func feed(_ piece: [UInt8]) -> [Line] {
        var lines: [Line] = []
        var start = piece.startIndex
        while let newline = Self.newline(in: piece, from: start) {
            lineNumber += 1
            if skippingLongLine {
                skippingLongLine = false
            } else if pending.count + (newline - start) > maxLineBytes {
                lines.append(.tooLong(number: lineNumber))
            } else {
                // A line within the piece is a slice of it; one begun in an earlier piece gets an
                // array of its own. Never a slice of `pending`: emptying `pending` while a slice
                // shares its storage would allocate a buffer of its whole capacity per line.
                var line = pending.isEmpty ? piece[start..<newline] : ArraySlice(pending + piece[start..<newline])
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                lines.append(.complete(number: lineNumber, bytes: line))
            }
            pending.removeAll(keepingCapacity: true)
            start = newline + 1
        }
        guard !skippingLongLine else { return lines }
        pending.append(contentsOf: piece[start...])
        if pending.count > maxLineBytes {
            lines.append(.tooLong(number: lineNumber + 1))
            pending.removeAll(keepingCapacity: true)
            skippingLongLine = true
        }
        return lines
    }

    /// Where the next newline at or after `start` is: `memchr` reads a body's every byte at
    /// several per cycle, where a Swift loop over them takes one at a time.
    private static func newline(in piece: [UInt8], from start: Int) -> Int? {
        piece.withUnsafeBufferPointer { buffer in
            guard start < buffer.count, let base = buffer.baseAddress, let found = memchr(base + start, 0x0A, buffer.count - start) else { return nil }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
    }

    /// The last line when the body does not end with a newline.
    mutating func finish() -> Line? {
        guard !skippingLongLine, !pending.isEmpty else { return nil }
        lineNumber += 1
        defer { pending.removeAll() }
        return .complete(number: lineNumber, bytes: pending[...])
    }
}
