import OmnisegCore

extension MatchModel {
    static let magic: [UInt8] = Array("OMMATCH".utf8)
    /// 2 added the name frequencies (``TermFrequencies``); a version-1 model reads with none.
    static let version: UInt16 = 2

    /// The model as the workspace keeps it (table `match_model`), so explanations use the weights the
    /// last resolve linked with.
    public var encoded: [UInt8] {
        var writer = WireWriter(capacity: 1024)
        writer.raw(Self.magic)
        writer.u16(Self.version)
        writer.count(fields.count)
        for (f, field) in fields.enumerated() {
            writer.string(field.name)
            writer.count(field.levels)
            for level in 0..<field.levels {
                writer.f64(m[f][level])
                writer.f64(u[f][level])
            }
        }
        writer.f64(lambda)
        frequencies.encode(into: &writer)
        return writer.bytes
    }

    /// Decodes ``encoded``; refuses a model whose shares are not probabilities or whose fields exceed
    /// what a ``ComparisonPattern`` holds.
    public init(decoding bytes: [UInt8]) throws(OmnisegError) {
        var reader = WireReader(bytes, what: "match model")
        guard try reader.bytes(Self.magic.count) == Self.magic else { throw reader.failure("not a match model") }
        let version = try reader.u16()
        guard version == 1 || version == Self.version else { throw reader.failure("a match model of version \(version); 1 or \(Self.version) expected") }
        let fieldCount = try reader.count(limit: 16)
        var fields: [(name: String, levels: Int)] = []
        var m: [[Double]] = [], u: [[Double]] = []
        for _ in 0..<fieldCount {
            let name = try reader.string(limit: 64)
            let levels = try reader.count(limit: 15)
            guard levels >= 2 else { throw reader.failure("field \(name) has \(levels) levels; at least 2 expected") }
            var mf: [Double] = [], uf: [Double] = []
            for _ in 0..<levels {
                mf.append(try reader.f64())
                uf.append(try reader.f64())
            }
            guard (mf + uf).allSatisfy({ $0 > 0 && $0 <= 1 }) else { throw reader.failure("field \(name) has a share outside (0, 1]") }
            fields.append((name, levels))
            m.append(mf)
            u.append(uf)
        }
        let lambda = try reader.f64()
        guard lambda > 0, lambda < 1 else { throw reader.failure("λ \(lambda) is not in (0, 1)") }
        let frequencies = version == 1 ? TermFrequencies() : try TermFrequencies(decoding: &reader)
        try reader.expectEnd()
        self.init(fields: fields, u: u, lambda: lambda, frequencies: frequencies)
        self.m = m
    }
}
