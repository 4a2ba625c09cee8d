import ArgumentParser
import FeatureStore
import Foundation
import JobRuntime
import OmnisegCore
import Segments
import SegmentsWorkspace

/// `omniseg segment`: named, saved segments in the rule language, and their sizes.
struct SegmentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment", abstract: "Save, list and count segments written in the rule language.",
        discussion: """
            A rule combines conditions with AND, OR, NOT and parentheses:
              lifecycle = churned AND rfm IN (champions, loyal) AND viewed(department = footwear, within = 7d)
              AND NOT purchased(department = footwear, within = 30d) AND share(footwear) >= 0.3
            Fields that take names: rfm (champions, loyal, potential_loyalists, new, promising, need_attention, about_to_sleep,
            at_risk, cant_lose, hibernating, lost), lifecycle (prospect, new, active, reactivated, at_risk, churned), channel
            (none, store_only, online_only, omnichannel), active_channel (store, online), prefers (a department), cluster and
            churn_tier (after a cluster or churn-score job on the feature set). Numbers: any feature column (recency_days,
            monetary, discount_share, …) and r_score, f_score, m_score, fm_score, cluster, churn_risk. Functions:
            share(department), viewed(…), carted(…), purchased(…) with department =, within = (7d, 2w), arrived = (products
            that arrived in the last days) and count =, and segment(name) for a saved segment.
            """,
        subcommands: [Save.self, List.self, Show.self, Delete.self, Count.self])

    struct Save: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Save (or replace) a named segment; the rule is checked first.")
        @Argument(help: "The segment's name (letters, digits, _).") var name: String
        @Argument(help: "The rule.") var rule: String
        @OptionGroup var workspace: WorkspaceOptions

        func run() throws {
            let ws = try workspace.open()
            let saved = try failingCleanly { () throws(OmnisegError) -> SegmentRule in try SegmentStore(workspace: ws).save(name: name, rule: rule) }
            print("saved \(name.lowercased()): \(saved.text)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the saved segments.")
        @OptionGroup var workspace: WorkspaceOptions

        func run() throws {
            let ws = try workspace.open()
            let all = try failingCleanly { () throws(OmnisegError) in try SegmentStore(workspace: ws).all() }
            if all.isEmpty { print("no saved segments (omniseg segment save NAME RULE)") }
            for (name, rule) in all { print("\(name): \(rule)") }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a saved segment's rule, and the rule with the segments it names expanded.")
        @Argument(help: "The segment's name.") var name: String
        @OptionGroup var workspace: WorkspaceOptions

        func run() throws {
            let ws = try workspace.open()
            try failingCleanly { () throws(OmnisegError) in
                let store = SegmentStore(workspace: ws)
                guard let rule = try store.rule(named: name) else { throw OmnisegError(.notFound, "no saved segment is named '\(name)' (see omniseg segment list)") }
                print("\(name.lowercased()): \(rule.text)")
                let expanded = try store.resolve(name)
                if expanded != rule { print("expanded: \(expanded.text)") }
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a saved segment.")
        @Argument(help: "The segment's name.") var name: String
        @OptionGroup var workspace: WorkspaceOptions

        func run() throws {
            let ws = try workspace.open()
            let deleted = try failingCleanly { () throws(OmnisegError) in try SegmentStore(workspace: ws).delete(name: name) }
            guard deleted else {
                StandardError.write("error: no saved segment is named '\(name)'\n")
                throw ExitCode.failure
            }
            print("deleted \(name.lowercased())")
        }
    }

    struct Count: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Count the people of segments (saved names or rules), evaluated shard by shard (job kind segment).",
            discussion: SegmentJobOptions.help)
        @OptionGroup var options: SegmentJobOptions

        func run() throws { try options.run(SegmentJob.name, try options.segments()) }
    }
}

/// `omniseg overlap A B C …`: every combination of the segments that occurs, with revenue and churn risk.
struct OverlapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "overlap", abstract: "How segments overlap: the people in exactly each combination, with revenue and mean churn risk.",
        discussion: "Each argument is a saved segment's name or a rule (2 to 16). `--json` prints the table for scripts.\n\n" + SegmentJobOptions.help)
    @OptionGroup var options: SegmentJobOptions

    func run() throws {
        let segments = try options.segments()
        guard segments.count >= 2 else { throw ValidationError("overlap takes at least two segments (got \(segments.count))") }
        try options.run(SegmentJob.overlapName, segments)
    }
}

/// The options of a segment evaluation, and how its arguments become job parameters.
struct SegmentJobOptions: ParsableArguments {
    @OptionGroup var job: ForegroundJob
    @Argument(parsing: .allUnrecognized, help: "Saved segment names or rules, and the job kind's options (below).")
    var arguments: [String] = []

    /// Help for the commands that evaluate segments.
    static let help = KindArguments.help(SegmentJob.descriptor)

    /// The segments the arguments name (those that are not options).
    func segments() throws -> [String] {
        var positionals: [String]? = []
        _ = try exiting { () throws(OmnisegError) in
            try ParameterArguments.parse(arguments, schema: SegmentJob.descriptor.parameters, kind: SegmentJob.name, positionals: &positionals)
        }
        return positionals ?? []
    }

    /// Runs job `kind` over `segments` and prints the result.
    func run(_ kind: String, _ segments: [String]) throws {
        try job.run(kind, parameters: try parameters(segments, members: false))
    }

    /// Runs job `kind` over `segments` (named `names`, when given) and returns its id and result.
    func execute(_ kind: String, _ segments: [String], members: Bool, names: [String]? = nil) throws -> (id: String, result: [UInt8]) {
        try job.execute(kind, parameters: try parameters(segments, members: members, names: names))
    }

    /// The job parameters: each segment's rule with saved segments expanded, and the options.
    /// A segment given by name keeps it (unless `names` says otherwise); a rule is called a, b, c ….
    private func parameters(_ segments: [String], members: Bool, names: [String]? = nil) throws -> JobParameters {
        guard !segments.isEmpty, segments.count <= SegmentJob.maximumSegments else {
            throw ValidationError("give 1 to \(SegmentJob.maximumSegments) segments (got \(segments.count))")
        }
        let ws = try job.workspace.open()
        var p = try failingCleanly { () throws(OmnisegError) -> JobParameters in
            let store = SegmentStore(workspace: ws)
            var named: [(name: String, rule: String)] = []
            for (i, text) in segments.enumerated() {
                let rule = try store.resolve(text)
                var name = SegmentReport.label(i).lowercased()
                if let names, i < names.count {
                    name = names[i]
                } else if try store.rule(named: text) != nil {
                    name = text.lowercased()
                }
                named.append((name, rule.text))
            }
            return SegmentJob.parameters(named)
        }
        if members { p.set(SegmentParameters.members, "1") }
        return try KindArguments.parameters(arguments, kind: SegmentJob.descriptor, base: p, workspace: job.workspace, positionals: true)
    }
}

/// `omniseg audience SEGMENT --out FILE`: a segment's members with contacts, features and recommendations.
struct AudienceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audience", abstract: "Export a segment's members for e-mail and ads platforms (CSV or JSON).",
        discussion: """
            Columns: person_id, the best email, phone and loyalty_id (the value most of the person's records carry,
            normalised), preferred_channel (store, online or none: where most of their spend is), recency_days, frequency,
            monetary, online_share, discount_share, and their top recommendations from the newest recommend run on the
            same feature set (item names; --recommendations 0 leaves them out).

            """ + SegmentJobOptions.help)
    @Option(help: "The file to write.") var out: String
    @Option(help: "csv or json.") var format: String = "csv"
    @Option(help: "Recommendations per person.") var recommendations: Int = 3
    @OptionGroup var options: SegmentJobOptions

    func run() throws {
        let segments = try options.segments()
        guard segments.count == 1, let segment = segments.first else {
            throw ValidationError("audience takes one segment: a saved segment's name or a rule (got \(segments.count))")
        }
        guard let format = AudienceExport.FileFormat(rawValue: format.lowercased()) else {
            throw ValidationError("--format takes csv or json (got '\(format)')")
        }
        guard (0...100).contains(recommendations) else { throw ValidationError("--recommendations takes 0 to 100 (got \(recommendations))") }
        let (id, bytes) = try options.execute(SegmentJob.name, [segment], members: true)
        let ws = try options.job.workspace.open()
        let written = try failingCleanly { () throws(OmnisegError) -> Int in
            let result = try SegmentResult(decoding: SegmentJob.resultBody(bytes))
            guard let members = result.members.first else { throw OmnisegError(.corrupt, "segment job \(id) returned no members") }
            var export = AudienceExport(workspace: ws, matrix: try FeatureStore(workspace: ws).load(setID: result.featureSetID))
            export.recommendations = recommendations
            return try export.write(members: members, format: format, to: out)
        }
        print("wrote \(Format.count(written)) people of \(segment) to \(out) (job \(id))")
    }
}
