@testable import FeatureStore
import Foundation
@testable import OmnisegCore
@testable import Report
@testable import TestSupport
import Testing

/// The HTML report rendered by headless Chromium (Debian's `chromium`, installed by `make test`): the
/// screenshot is not blank and the DOM has every section.
@Suite(.serialized) struct ReportTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test func theReportRendersInHeadlessChromiumWithEverySection() throws {
        let dir = TemporaryDirectory()
        let (workspace, setID) = try Fixtures.trainingWorkspace(dir)
        let matrix = try FeatureStore(workspace: workspace).load(setID: setID)
        let report = try HTMLReport.embedded(workspace: workspace, matrix: matrix, threads: 2)
        let html = report.html
        for forbidden in ["<script", "<link", "src=", "url("] { #expect(!html.contains(forbidden), "self-contained: no \(forbidden)") }
        let page = dir.file("report.html")
        try Data(html.utf8).write(to: URL(fileURLWithPath: page))

        let browser = try #require(Self.chromium, "headless Chromium is missing: `make test` installs Debian's chromium package")
        let dom = try Self.chromium([browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://\(page)"], in: dir)
        for id in ["channels", "segments", "overlaps", "clusters", "churn", "recommendations"] {
            #expect(dom.contains("<section id=\"\(id)\">"), "section \(id)")
        }
        // Channels, RFM, lifecycle, chosen segments, UpSet; the fixture has no cluster, churn or recommend run.
        #expect(dom.components(separatedBy: "<svg").count - 1 >= 5, "the charts are in the DOM")
        #expect(dom.contains("No cluster job has run on this feature set") && dom.contains("No churn scores for this feature set"))
        #expect(dom.contains("champions_or_loyal") && dom.contains("omnichannel"))

        let shot = dir.file("report.png")
        _ = try Self.chromium([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1000,1800",
                               "--screenshot=\(shot)", "file://\(page)"], in: dir)
        let image = try PNGImage(Data(contentsOf: URL(fileURLWithPath: shot)))
        #expect(image.width == 1000 && image.height == 1800)
        let (inked, colours) = image.inkedShareAndColours()
        #expect(inked > 0.03, "at least 3% of the pixels are not white (\(inked))")
        #expect(colours > 8, "the charts bring colour (\(colours) distinct colours)")
    }

    /// Runs Chromium and returns its standard output.
    static func chromium(_ arguments: [String], in dir: TemporaryDirectory) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = dir.path
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "chromium \(arguments.dropFirst().joined(separator: " ")) exited with \(process.terminationStatus)")
        return String(decoding: data, as: UTF8.self)
    }
}

/// Just enough PNG to look at a screenshot: 8-bit RGB or RGBA, not interlaced, inflated with the
/// system's zlib (found at run time), rows unfiltered.
struct PNGImage {
    let width: Int
    let height: Int
    let channels: Int
    let pixels: [UInt8]

    init(_ data: Data) throws {
        let bytes = [UInt8](data)
        guard bytes.count > 33, bytes[0..<8] == [137, 80, 78, 71, 13, 10, 26, 10] else { throw OmnisegError(.corrupt, "not a PNG") }
        func be32(_ i: Int) -> Int { Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]) }
        var at = 8, idat: [UInt8] = []
        var w = 0, h = 0, colourType = 0
        while at + 8 <= bytes.count {
            let length = be32(at), type = String(decoding: bytes[at + 4..<at + 8], as: UTF8.self)
            let body = Array(bytes[at + 8..<min(bytes.count, at + 8 + length)])
            if type == "IHDR" {
                w = Int(body[0]) << 24 | Int(body[1]) << 16 | Int(body[2]) << 8 | Int(body[3])
                h = Int(body[4]) << 24 | Int(body[5]) << 16 | Int(body[6]) << 8 | Int(body[7])
                guard body[8] == 8, body[12] == 0 else { throw OmnisegError(.corrupt, "only 8-bit, non-interlaced PNGs") }
                colourType = Int(body[9])
            } else if type == "IDAT" {
                idat += body
            }
            at += 12 + length
        }
        guard colourType == 2 || colourType == 6 else { throw OmnisegError(.corrupt, "colour type \(colourType) is not RGB or RGBA") }
        let c = colourType == 6 ? 4 : 3
        let stride = w * c
        let raw = try Self.inflate(idat, size: h * (stride + 1))
        var out = [UInt8](repeating: 0, count: h * stride)
        for y in 0..<h {
            let filter = raw[y * (stride + 1)]
            for x in 0..<stride {
                let v = raw[y * (stride + 1) + 1 + x]
                let a = x >= c ? Int(out[y * stride + x - c]) : 0
                let b = y > 0 ? Int(out[(y - 1) * stride + x]) : 0
                let d = x >= c && y > 0 ? Int(out[(y - 1) * stride + x - c]) : 0
                let predictor: Int
                switch filter {
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - d, pa = abs(p - a), pb = abs(p - b), pc = abs(p - d)
                    predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : d
                default: predictor = 0
                }
                out[y * stride + x] = UInt8(truncatingIfNeeded: Int(v) + predictor)
            }
        }
        width = w
        height = h
        channels = c
        pixels = out
    }

    /// The share of pixels that are not (near) white, and the number of distinct colours.
    func inkedShareAndColours() -> (Double, Int) {
        var inked = 0
        var colours: Set<UInt32> = []
        for i in 0..<(width * height) {
            let r = pixels[i * channels], g = pixels[i * channels + 1], b = pixels[i * channels + 2]
            if min(r, g, b) < 240 { inked += 1 }
            if colours.count < 10_000 { colours.insert(UInt32(r) << 16 | UInt32(g) << 8 | UInt32(b)) }
        }
        return (Double(inked) / Double(width * height), colours.count)
    }

    private static func inflate(_ input: [UInt8], size: Int) throws -> [UInt8] {
        typealias Uncompress = @convention(c) (UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<UInt>, UnsafePointer<UInt8>, UInt) -> Int32
        guard let zlib = dlopen("libz.so.1", RTLD_NOW), let symbol = dlsym(zlib, "uncompress") else {
            throw OmnisegError(.precondition, "libz.so.1 is missing")
        }
        let uncompress = unsafeBitCast(symbol, to: Uncompress.self)
        var out = [UInt8](repeating: 0, count: size)
        var length = UInt(size)
        let status = out.withUnsafeMutableBufferPointer { o in input.withUnsafeBufferPointer { uncompress(o.baseAddress!, &length, $0.baseAddress!, UInt($0.count)) } }
        guard status == 0, Int(length) == size else { throw OmnisegError(.corrupt, "zlib could not inflate the image (status \(status))") }
        return out
    }
}
