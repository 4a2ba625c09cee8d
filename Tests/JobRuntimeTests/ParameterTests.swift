import Clustering
import JobKinds
import JobRuntime
import OmnisegCore
import Recommend
import Segments
import Testing

/// The typed parameter contract: one declaration per parameter validates, documents and reads it.
@Suite struct ParameterTests {
    private let cluster = ClusterParameters.schema

    @Test func optionsReadInEitherFormAndFlagsWithoutValue() throws {
        let p = try ParameterArguments.parse(["--max-iter", "20", "--tol=0.01", "--k", "auto"], schema: cluster, kind: "cluster")
        #expect(p.values == ["max-iter": "20", "tol": "0.01", "k": "auto"])
        let r = try ParameterArguments.parse(["--repeats", "--count", "3"], schema: RecommendParameters.schema, kind: "recommend")
        #expect(r.values == ["repeats": "1", "n": "3"])
        #expect(try r.value(RecommendParameters.repeats) == true)
        #expect(try r.value(RecommendParameters.count) == 3)
        #expect(try JobParameters().value(RecommendParameters.count) == RecommendOptions().count)
    }

    @Test func badOptionsAreRefusedByName() {
        #expect { try ParameterArguments.parse(["--kk", "3"], schema: cluster, kind: "cluster") } throws: {
            "\($0)".contains("job kind 'cluster' has no option --kk") && "\($0)".contains("--max-iter")
        }
        #expect { try ParameterArguments.parse(["--max-iter"], schema: cluster, kind: "cluster") } throws: {
            "\($0)".contains("option --max-iter needs a value: an integer from 1 to 10000")
        }
        #expect { try ParameterArguments.parse(["--max-iter", "0"], schema: cluster, kind: "cluster") } throws: {
            "\($0)".contains("job parameter 'max-iter' must be an integer from 1 to 10000 (got '0')")
        }
        #expect { try ParameterArguments.parse(["3"], schema: cluster, kind: "cluster") } throws: { "\($0)".contains("unexpected argument '3'") }
    }

    @Test func positionalsAreCollectedWhenTheCommandTakesThem() throws {
        var positionals: [String]? = []
        let p = try ParameterArguments.parse(["rfm = loyal", "--new-days", "20", "lifecycle = new"], schema: SegmentParameters.schema,
                                             kind: "segment", positionals: &positionals)
        #expect(positionals == ["rfm = loyal", "lifecycle = new"])
        #expect(p.values == ["new_days": "20"])
    }

    @Test func schemaRefusesUnknownNamesAndBadValuesAndKnowsNumberedFamilies() throws {
        let schema = SegmentParameters.schema
        try schema.validate(JobParameters(["rule_16": "x", "name_2": "b", "feature_set": "3"]), kind: "segment")
        #expect { try schema.validate(JobParameters(["rule_17": "x"]), kind: "segment") } throws: {
            "\($0)".contains("has no parameter 'rule_17'") && "\($0)".contains("rule_N")
        }
        #expect { try schema.validate(JobParameters(["members": "yes"]), kind: "segment") } throws: {
            "\($0)".contains("'members' must be 0 or 1 (got 'yes')")
        }
        #expect { try schema.validate(JobParameters(["feature_set": "0"]), kind: "segment") } throws: {
            "\($0)".contains("'feature_set' must be the id of a feature set")
        }
    }

    /// Every registered kind: names and options are unique, every option reads back into its own
    /// parameter, and the help lists each one.
    @Test func everyRegisteredKindHasAConsistentSchema() throws {
        #expect(Set(JobKindRegistry.names).count == JobKindRegistry.all.count)
        for kind in JobKindRegistry.all {
            let specs = kind.parameters.specs
            let keys = specs.map { $0.numbered == nil ? $0.name : "\($0.name)_N" }
            #expect(Set(keys).count == keys.count, "\(kind.name): a parameter name is declared twice")
            let options = specs.compactMap(\.option)
            #expect(Set(options).count == options.count, "\(kind.name): an option is declared twice")
            let help = kind.parameters.helpText()
            for spec in specs {
                if let option = spec.option {
                    #expect(help.contains("--\(option)"), "\(kind.name): help misses --\(option)")
                    let sample = Self.sample(spec.value)
                    let parsed = try ParameterArguments.parse(spec.value == .flag ? ["--\(option)"] : ["--\(option)", sample],
                                                              schema: kind.parameters, kind: kind.name)
                    #expect(parsed.values == [spec.name: sample], "\(kind.name): --\(option)")
                } else {
                    #expect(help.contains("(\(spec.numbered == nil ? spec.name : "\(spec.name)_N"))"), "\(kind.name): help misses \(spec.name)")
                }
            }
        }
    }

    @Test func theRegistryMakesEachKindAndNamesTheOnesThereAre() throws {
        for kind in JobKindRegistry.all where kind.name != SegmentJob.name && kind.name != SegmentJob.overlapName {
            _ = try JobKindRegistry.make(kind.name, columnNames: [], parameters: JobParameters())
        }
        #expect { try JobKindRegistry.make("clusterr", columnNames: [], parameters: JobParameters()) } throws: {
            "\($0)".contains("unknown job kind 'clusterr'") && "\($0)".contains("cluster, churn-train")
        }
        #expect { try JobKindRegistry.validate("cluster", parameters: JobParameters(["colour": "red"])) } throws: {
            "\($0)".contains("job kind 'cluster' has no parameter 'colour'")
        }
    }

    /// A value each kind of parameter takes.
    private static func sample(_ value: ParameterValue) -> String {
        switch value {
        case .integer(let r): return "\(r.upperBound)"
        case .decimal(let r): return ParameterValue.shown(r.upperBound)
        case .choice(let words): return words.last ?? ""
        case .flag: return "1"
        case .text: return "some text"
        case .reference: return "7"
        }
    }
}
