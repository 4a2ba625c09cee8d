import Foundation
import Kernels

/// Records as the pair loops read them: one fixed-size row per record (no references) and the names,
/// street words and name forms of all records in three flat arrays, with what a comparison would
/// otherwise work out per pair done once per record — Soundex codes and the names' frequency classes.
/// A loop takes a ``View`` (unsafe buffers over the arrays) once and compares any number of pairs
/// through it with no allocation and no reference counting.
struct MatchRecordTable {
    /// One record's fields: positions in the flat arrays and the values compared for equality.
    struct Row {
        var first: Range<Int32> = 0..<0
        var last: Range<Int32> = 0..<0
        var words: Range<Int32> = 0..<0
        var forms: Range<Int32> = 0..<0
        var firstSoundex: UInt32 = 0
        var lastSoundex: UInt32 = 0
        /// The names' frequency classes (``TermFrequencies``).
        var firstClass: UInt8 = 0
        var lastClass: UInt8 = 0
        var postcodeKey: UInt64 = 0
        var cityKey: UInt64 = 0
        var birthDate: CivilDay?
    }

    private(set) var rows: [Row] = []
    private var bytes: [UInt8] = []
    private var words: [UInt64] = []
    private var forms: [Int32] = []
    /// The name frequencies the rows' classes come from.
    let frequencies: TermFrequencies
    let variant: KernelVariant

    init(_ records: [MatchRecord], frequencies: TermFrequencies, variant: KernelVariant = .best) {
        self.frequencies = frequencies
        self.variant = variant
        rows.reserveCapacity(records.count)
        bytes.reserveCapacity(records.reduce(0) { $0 + $1.firstName.count + $1.lastName.count })
        func append<T>(_ values: [T], to array: inout [T]) -> Range<Int32> {
            let start = Int32(array.count)
            array.append(contentsOf: values)
            return start..<Int32(array.count)
        }
        for r in records {
            var row = Row()
            row.first = append(r.firstName, to: &bytes)
            row.last = append(r.lastName, to: &bytes)
            row.words = append(r.streetWords, to: &words)
            row.forms = append(r.nameForms, to: &forms)
            row.firstSoundex = r.firstName.withUnsafeBytes { Soundex.code($0) }
            row.lastSoundex = r.lastName.withUnsafeBytes { Soundex.code($0) }
            row.firstClass = frequencies.classOf(0, key: r.firstNameKey)
            row.lastClass = frequencies.classOf(1, key: r.lastNameKey)
            row.postcodeKey = r.postcodeKey
            row.cityKey = r.cityKey
            row.birthDate = r.birthDate
            rows.append(row)
        }
    }

    var count: Int { rows.count }

    /// Calls `body` with a view of the table, valid only inside it.
    func withView<R, E: Error>(_ body: (View) throws(E) -> R) throws(E) -> R {
        try rows.withUnsafeBufferPointer { rows throws(E) in
            try bytes.withUnsafeBufferPointer { bytes throws(E) in
                try words.withUnsafeBufferPointer { words throws(E) in
                    try forms.withUnsafeBufferPointer { forms throws(E) in
                        try body(View(rows: rows, bytes: bytes, words: words, forms: forms, variant: variant))
                    }
                }
            }
        }
    }

    /// The table's arrays as unsafe buffers: compares records by index.
    struct View {
        let rows: UnsafeBufferPointer<Row>
        let bytes: UnsafeBufferPointer<UInt8>
        let words: UnsafeBufferPointer<UInt64>
        let forms: UnsafeBufferPointer<Int32>
        let variant: KernelVariant

        @inline(__always)
        private func text(_ range: Range<Int32>) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[Int(range.lowerBound)..<Int(range.upperBound)])
        }

        @inline(__always)
        private func slice<T>(_ buffer: UnsafeBufferPointer<T>, _ range: Range<Int32>) -> UnsafeBufferPointer<T> {
            UnsafeBufferPointer(rebasing: buffer[Int(range.lowerBound)..<Int(range.upperBound)])
        }

        /// The comparison pattern of records `i` and `j` (``ProbabilisticLinker/compare(_:_:_:)``).
        @inline(__always)
        func compare(_ i: Int, _ j: Int) -> ComparisonPattern {
            let a = rows[i], b = rows[j]
            let firstA = text(a.first), firstB = text(b.first), lastA = text(a.last), lastB = text(b.last)
            var first = FieldComparison.name(firstA, firstB, variant: variant) {
                a.firstSoundex == b.firstSoundex || Nicknames.related(slice(forms, a.forms), slice(forms, b.forms))
            }
            var last = FieldComparison.name(lastA, lastB, variant: variant) { a.lastSoundex == b.lastSoundex }
            // First and last name swapped on one record (a form filled in the wrong order): both as near-exact.
            if first != 0 || last != 0, !firstA.isEmpty, !lastA.isEmpty, FieldComparison.equal(firstA, lastB), FieldComparison.equal(lastA, firstB) {
                (first, last) = (1, 1)
            }
            first = TermFrequencies.level(similarity: first, class: a.firstClass)
            last = TermFrequencies.level(similarity: last, class: a.lastClass)
            return ComparisonPattern(first, last, FieldComparison.birthDate(a.birthDate, b.birthDate),
                                     FieldComparison.street(words: slice(words, a.words), slice(words, b.words)),
                                     FieldComparison.exact(a.postcodeKey, b.postcodeKey), FieldComparison.exact(a.cityKey, b.cityKey))
        }
    }
}
