import OmnisegCore

/// Small inline SVG charts for the HTML report: no scripts, no fonts or files from outside.
enum SVGChart {
    /// Text escaped for XML/HTML.
    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static let palette = ["#3366cc", "#dc3912", "#ff9900", "#109618", "#990099", "#0099c6", "#dd4477", "#66aa00", "#b82e2e", "#316395", "#994499"]

    private static func number(_ v: Double) -> String { Format.fixed(v, 1) }

    /// Horizontal bars, one per label, with the value written after each bar.
    static func bars(_ rows: [(label: String, value: Double, text: String)], width: Int = 640) -> String {
        let labelWidth = 190, barSpace = Double(width - labelWidth - 170), height = 22
        let top = max(rows.map(\.value).max() ?? 0, 1e-12)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(rows.count * height + 8)\" role=\"img\">"
        for (i, row) in rows.enumerated() {
            let y = i * height + 4
            let w = max(0, barSpace * row.value / top)
            svg += "<text x=\"\(labelWidth - 8)\" y=\"\(y + 15)\" text-anchor=\"end\" font-size=\"13\">\(escape(row.label))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 2)\" width=\"\(number(w))\" height=\"\(height - 6)\" fill=\"\(palette[i % palette.count])\"/>"
            svg += "<text x=\"\(number(Double(labelWidth) + w + 6))\" y=\"\(y + 15)\" font-size=\"12\">\(escape(row.text))</text>"
        }
        return svg + "</svg>"
    }

    /// Vertical bars over equal-width bins (a histogram), with the bin edges under the axis.
    static func histogram(_ counts: [Int], lower: Double, upper: Double, width: Int = 640, height: Int = 220) -> String {
        let plotHeight = Double(height - 40), barWidth = Double(width - 40) / Double(max(1, counts.count))
        let top = Double(max(counts.max() ?? 0, 1))
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" role=\"img\">"
        for (i, c) in counts.enumerated() {
            let h = plotHeight * Double(c) / top
            let x = 20 + Double(i) * barWidth
            svg += "<rect x=\"\(number(x + 1))\" y=\"\(number(10 + plotHeight - h))\" width=\"\(number(barWidth - 2))\" height=\"\(number(h))\" fill=\"#3366cc\"><title>\(Format.count(c))</title></rect>"
            let edge = lower + (upper - lower) * Double(i) / Double(counts.count)
            svg += "<text x=\"\(number(x))\" y=\"\(height - 12)\" font-size=\"11\">\(Format.fixed(edge, 1))</text>"
        }
        return svg + "</svg>"
    }

    /// An UpSet chart: one column per combination (bar = people), a dot matrix of which segments
    /// it holds, and each segment's size at the left.
    static func upset(names: [String], sizes: [Int], combinations: [(mask: UInt32, people: Int)], width: Int = 900) -> String {
        let rowHeight = 24, labelWidth = 340, barsHeight = 180
        let columns = max(1, combinations.count)
        let columnWidth = min(36.0, Double(width - labelWidth - 20) / Double(columns))
        let height = barsHeight + names.count * rowHeight + 20
        let top = Double(max(combinations.map(\.people).max() ?? 0, 1)), biggest = Double(max(sizes.max() ?? 0, 1))
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" role=\"img\">"
        for (j, c) in combinations.enumerated() {
            let x = Double(labelWidth) + Double(j) * columnWidth
            let h = Double(barsHeight - 30) * Double(c.people) / top
            svg += "<rect x=\"\(number(x + 3))\" y=\"\(number(Double(barsHeight) - h))\" width=\"\(number(columnWidth - 6))\" height=\"\(number(h))\" fill=\"#333\"><title>\(Format.count(c.people))</title></rect>"
            svg += "<text x=\"\(number(x + columnWidth / 2))\" y=\"\(number(Double(barsHeight) - h - 4))\" font-size=\"9\" text-anchor=\"middle\">\(Format.count(c.people))</text>"
            for i in names.indices {
                let y = barsHeight + 10 + i * rowHeight + rowHeight / 2
                let on = c.mask & (1 << UInt32(i)) != 0
                svg += "<circle cx=\"\(number(x + columnWidth / 2))\" cy=\"\(y)\" r=\"6\" fill=\"\(on ? "#333" : "#ddd")\"/>"
            }
        }
        for (i, name) in names.enumerated() {
            let y = barsHeight + 10 + i * rowHeight
            let w = 70 * Double(sizes[i]) / biggest
            svg += "<rect x=\"\(number(Double(labelWidth) - 8 - w))\" y=\"\(y + 5)\" width=\"\(number(w))\" height=\"\(rowHeight - 10)\" fill=\"\(palette[i % palette.count])\"/>"
            svg += "<text x=\"\(labelWidth - 84)\" y=\"\(y + 16)\" text-anchor=\"end\" font-size=\"12\">\(escape(name)) (\(Format.count(sizes[i])))</text>"
        }
        return svg + "</svg>"
    }

    /// Two overlapping circles (store buyers, online buyers) with the counts of each part.
    static func channelVenn(storeOnly: Int, both: Int, onlineOnly: Int, neither: Int) -> String {
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"520\" height=\"250\" role=\"img\">"
        svg += "<circle cx=\"190\" cy=\"120\" r=\"100\" fill=\"#3366cc\" fill-opacity=\"0.45\"/>"
        svg += "<circle cx=\"330\" cy=\"120\" r=\"100\" fill=\"#dc3912\" fill-opacity=\"0.45\"/>"
        svg += "<text x=\"140\" y=\"125\" text-anchor=\"middle\" font-size=\"14\">\(Format.count(storeOnly))</text>"
        svg += "<text x=\"260\" y=\"125\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">\(Format.count(both))</text>"
        svg += "<text x=\"380\" y=\"125\" text-anchor=\"middle\" font-size=\"14\">\(Format.count(onlineOnly))</text>"
        svg += "<text x=\"140\" y=\"238\" text-anchor=\"middle\" font-size=\"13\">store only</text>"
        svg += "<text x=\"260\" y=\"238\" text-anchor=\"middle\" font-size=\"13\">omnichannel</text>"
        svg += "<text x=\"380\" y=\"238\" text-anchor=\"middle\" font-size=\"13\">online only</text>"
        svg += "<text x=\"510\" y=\"20\" text-anchor=\"end\" font-size=\"12\">no purchase: \(Format.count(neither))</text>"
        return svg + "</svg>"
    }
}
