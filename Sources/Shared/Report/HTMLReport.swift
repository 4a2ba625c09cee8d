import Churn
import ChurnWorkspace
import Clustering
import Coordination
import Features
import JobRuntime
import OmnisegCore
import Recommend
import Segments
import SegmentsWorkspace
import Workspace
import WorkspaceJobs

/// The self-contained HTML report (inline CSS and SVG, nothing fetched): channel overlap, built-in and
/// chosen segment sizes, an UpSet chart of the chosen segments' overlaps, cluster profiles, the
/// churn-risk distribution and lift, and the most recommended items. Sections whose job has not run
/// on the feature set say so and how to run it.
public struct HTMLReport {
    /// Results of the segment job over the built-in segments: RFM (11 rules), lifecycle and channel (10 rules).
    public var rfm: SegmentResult
    public var lifecycleAndChannel: SegmentResult
    /// The chosen segments (saved ones, or a default set) with their combinations.
    public var chosen: SegmentResult
    public var cluster: ClusterResult?
    /// Each person's churn probability (NaN: not scored), and the model's held-out evaluation.
    public var churnRisk: [Float]?
    public var churnHoldout: ChurnEvaluation?
    public var recommend: RecommendResult?
    /// Per section, why a stored result could not be read (the section says so instead of failing the report).
    public var unreadable: [String: String] = [:]

    public init(rfm: SegmentResult, lifecycleAndChannel: SegmentResult, chosen: SegmentResult) {
        self.rfm = rfm
        self.lifecycleAndChannel = lifecycleAndChannel
        self.chosen = chosen
    }

    /// The rules of the built-in segments the report counts (the first job: RFM; the second: lifecycle, then channel).
    public static var rfmRules: [(name: String, rule: String)] { RFMScheme.segmentNames.map { ($0, "rfm = \($0)") } }
    public static var lifecycleAndChannelRules: [(name: String, rule: String)] {
        SegmentOptions.lifecycleNames.map { ($0, "lifecycle = \($0)") } + SegmentOptions.channelNames.map { ($0, "channel = \($0)") }
    }
    /// Chosen segments when none are saved.
    public static let defaultSegments: [(name: String, rule: String)] = [
        ("champions_or_loyal", "rfm IN (champions, loyal)"), ("lapsing", "lifecycle IN (at_risk, churned)"),
        ("omnichannel", "channel = omnichannel"), ("recent_browsers", "viewed(within = 30d)"), ("discount_lovers", "discount_share >= 0.5"),
    ]

    public var html: String {
        let people = rfm.people
        var body = "<h1>Omniseg report</h1>"
        body += "<p class=\"meta\">Feature set \(rfm.featureSetID) as of \(CivilDate.isoDate(unixSeconds: rfm.asOf)): \(Format.count(people)) people.</p>"
        body += section("channels", "Channel overlap", channels())
        body += section("segments", "Segment sizes", segmentSizes())
        body += section("overlaps", "How the chosen segments overlap", overlaps())
        body += section("clusters", "Cluster profiles", clusters())
        body += section("churn", "Churn risk", churn())
        body += section("recommendations", "Top recommendations", recommendations())
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Omniseg report</title>
            <style>
            body { font-family: sans-serif; margin: 24px auto; max-width: 980px; color: #222; background: #fff; }
            h1 { font-size: 26px; } h2 { font-size: 19px; border-bottom: 2px solid #3366cc; padding-bottom: 4px; margin-top: 36px; }
            table { border-collapse: collapse; font-size: 13px; } td, th { padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: right; }
            td:first-child, th:first-child, td.rule { text-align: left; } .meta, .note { color: #555; font-size: 13px; }
            </style></head><body>
            \(body)
            </body></html>

            """
    }

    private func section(_ id: String, _ title: String, _ content: String) -> String {
        "<section id=\"\(id)\"><h2>\(SVGChart.escape(title))</h2>\(content)</section>\n"
    }

    private func note(_ text: String) -> String { "<p class=\"note\">\(SVGChart.escape(text))</p>" }


    private func channels() -> String {
        let counts = Dictionary(uniqueKeysWithValues: zip(lifecycleAndChannel.names, lifecycleAndChannel.counts))
        return SVGChart.channelVenn(storeOnly: counts["store_only"] ?? 0, both: counts["omnichannel"] ?? 0, onlineOnly: counts["online_only"] ?? 0,
                                    neither: counts["none"] ?? 0)
    }

    private func segmentSizes() -> String {
        func chart(_ result: SegmentResult, _ range: Range<Int>) -> String {
            SVGChart.bars(range.map { (result.names[$0], Double(result.counts[$0]), "\(Format.count(result.counts[$0])) (\(Format.share(result.counts[$0], of: result.people)))") })
        }
        let lifecycle = SegmentOptions.lifecycleNames.count
        var out = "<h3>RFM segments</h3>" + chart(rfm, 0..<rfm.names.count)
        out += "<h3>Lifecycle stages</h3>" + chart(lifecycleAndChannel, 0..<lifecycle)
        out += "<h3>Chosen segments</h3>" + chart(chosen, 0..<chosen.names.count)
        out += "<table><tr><th>segment</th><th>rule</th></tr>"
        for (name, rule) in zip(chosen.names, chosen.rules) { out += "<tr><td>\(SVGChart.escape(name))</td><td class=\"rule\">\(SVGChart.escape(rule))</td></tr>" }
        return out + "</table>"
    }

    private func overlaps() -> String {
        let some = SegmentReport.ordered(chosen).filter { $0.mask != 0 }.prefix(24)
        var out = SVGChart.upset(names: chosen.names, sizes: chosen.counts, combinations: some.map { ($0.mask, $0.people) })
        out += "<table><tr><th>segments</th><th>people</th><th>share</th><th>revenue</th><th>mean churn risk</th></tr>"
        for c in some {
            let names = chosen.names.indices.filter { c.mask & (1 << UInt32($0)) != 0 }.map { chosen.names[$0] }.joined(separator: " + ")
            out += "<tr><td>\(SVGChart.escape(names))</td><td>\(Format.count(c.people))</td><td>\(Format.share(c.people, of: chosen.people))</td>"
                + "<td>\(Format.fixed(c.revenue, 0))</td><td>\(c.meanChurnRisk.map { Format.fixed($0, 3) } ?? "–")</td></tr>"
        }
        return out + "</table>" + note("Each column counts the people in exactly those segments and in no other chosen segment.")
    }

    private func clusters() -> String {
        if let problem = unreadable["clusters"] { return note(problem) }
        guard let cluster, cluster.k > 0 else { return note("No cluster job has run on this feature set: omniseg run cluster.") }
        let profiles = ClusterProfiles(cluster).clusters
        var out = SVGChart.bars((0..<cluster.k).map { ("\($0) · \(profiles[$0].name)", Double(cluster.counts[$0]), Format.count(Int(cluster.counts[$0]))) })
        let shown = ["recency_days", "frequency", "monetary", "online_share", "discount_share"].compactMap { name in cluster.profileNames.firstIndex(of: name).map { (name, $0) } }
        out += "<table><tr><th>cluster</th><th>name</th><th>profile</th>" + shown.map { "<th>\($0.0)</th>" }.joined() + "</tr>"
        for j in 0..<cluster.k {
            out += "<tr><td>\(j)</td><td>\(SVGChart.escape(profiles[j].name))</td><td>\(SVGChart.escape(profiles[j].label))</td>" + shown.map { "<td>\(Format.fixed(cluster.profileMeans[j * cluster.profileNames.count + $0.1], 2))</td>" }.joined() + "</tr>"
        }
        return out + "</table>"
    }

    private func churn() -> String {
        guard let risk = churnRisk, risk.contains(where: { !$0.isNaN }) else { return note("No churn scores for this feature set: omniseg run churn-score.") }
        var bins = [Int](repeating: 0, count: 10)
        for p in risk where !p.isNaN { bins[min(9, max(0, Int(p * 10)))] += 1 }
        var out = "<h3>Distribution of churn probability</h3>" + SVGChart.histogram(bins, lower: 0, upper: 1)
        if let holdout = churnHoldout, holdout.people > 0, holdout.churned > 0 {
            let overall = Double(holdout.churned) / Double(holdout.people)
            out += "<h3>Lift by score decile (held-out people, highest risk first)</h3>"
            out += SVGChart.bars(holdout.calibration.reversed().enumerated().map { i, b in
                let lift = overall > 0 ? b.observedRate / overall : 0
                return ("decile \(i + 1)", lift, "lift \(Format.fixed(lift, 2)), churned \(Format.fixed(100 * b.observedRate, 1))%")
            })
            out += note("Held-out ROC AUC \(Format.fixed(holdout.metrics.rocAUC, 3)); top-decile lift \(Format.fixed(holdout.metrics.topDecileLift, 2)).")
        } else {
            out += note("The model has no labelled holdout: no lift to show.")
        }
        return out
    }

    private func recommendations() -> String {
        if let problem = unreadable["recommendations"] { return note(problem) }
        guard let recommend, recommend.people > 0 else { return note("No recommend job has run on this feature set: omniseg recommend.") }
        var times = [Int](repeating: 0, count: recommend.catalog.count)
        for item in recommend.items where Int(item) < times.count { times[Int(item)] += 1 }
        let top = times.indices.filter { times[$0] > 0 }.sorted { times[$0] > times[$1] || (times[$0] == times[$1] && $0 < $1) }.prefix(10)
        var out = SVGChart.bars(top.map { ("\(recommend.catalog.names[$0]) (\(recommend.catalog.department(of: $0)))", Double(times[$0]), "suggested to \(Format.count(times[$0]))") })
        out += "<table><tr><th>item</th><th>bought with</th></tr>"
        for a in top {
            let partners = recommend.table.indicators(kind: 0, item: a).prefix(3).map { recommend.catalog.names[$0.item] }.joined(separator: ", ")
            out += "<tr><td>\(SVGChart.escape(recommend.catalog.names[a]))</td><td>\(SVGChart.escape(partners.isEmpty ? "–" : partners))</td></tr>"
        }
        return out + "</table>"
    }
}

extension HTMLReport {
    /// Adds what the workspace holds for the segments' feature set: the newest cluster result,
    /// churn scores (with the scoring model's held-out evaluation) and recommend result.
    public mutating func addStoredResults(from workspace: Workspace) throws(OmnisegError) {
        let setID = rfm.featureSetID, people = rfm.people
        let ledger = JobLedger(workspace: workspace)
        func newest(_ kind: String) throws(OmnisegError) -> (id: String, result: [UInt8])? {
            guard let id = try ledger.newestSucceeded(kind, featureSet: setID), let bytes = try ledger.entry(id)?.result else { return nil }
            return (id, bytes)
        }
        if let (id, bytes) = try newest(ClusterJob.name) {
            do throws(OmnisegError) {
                let result = try ClusterResult(decoding: ClusterJob.resultBody(bytes))
                if result.labels.count == people { cluster = result }
            } catch {
                unreadable["clusters"] = "The result of cluster job \(id) cannot be read: \(error.message)"
            }
        }
        if let (id, bytes) = try newest(RecommendJob.name) {
            do throws(OmnisegError) {
                let result = try RecommendResult(decoding: RecommendJob.resultBody(bytes))
                if result.people == people { recommend = result }
            } catch {
                unreadable["recommendations"] = "The result of recommend job \(id) cannot be read: \(error.message)"
            }
        }
        if let churn = try SegmentStore(workspace: workspace).churn(featureSet: setID, people: try workspace.people(ofFeatureSet: setID)) {
            churnRisk = churn.risk
            if let jobID = try ledger.newestSucceeded(ChurnScoreJob.name, featureSet: setID), let modelID = try workspace.db.scalar("SELECT model_id FROM churn_score WHERE job_id = ? LIMIT 1", [.text(jobID)])?.integer {
                churnHoldout = try ChurnStore(workspace: workspace).model(id: modelID).model.holdout
            }
        }
    }
}

extension HTMLReport {
    /// The report of `matrix`'s people, its segment jobs run in this process (the demo; tests).
    /// `chosen`: the segments of the overlap chart (default: ``defaultSegments``).
    public static func embedded(workspace: Workspace, matrix: FeatureMatrix, threads: Int,
                                chosen: [(name: String, rule: String)] = defaultSegments) throws(OmnisegError) -> HTMLReport {
        func run(_ list: [(name: String, rule: String)]) throws(OmnisegError) -> SegmentResult {
            var p = SegmentJob.parameters(list)
            p[CommonParameters.featureSet.name] = "\(matrix.setID)"
            return try SegmentResult(decoding: SegmentJob.resultBody(try EmbeddedJob(workspace: workspace, matrix: matrix, threads: threads).run(SegmentJob.name, parameters: p).result.get()))
        }
        var report = HTMLReport(rfm: try run(rfmRules), lifecycleAndChannel: try run(lifecycleAndChannelRules), chosen: try run(chosen))
        try report.addStoredResults(from: workspace)
        return report
    }
}
