/// The JSON of `sluice drift compare --json` and of the drift topic's records: snake_case keys as
/// in docs/drift.md; a statistic that does not apply or could not be computed is null, never NaN.
extension DatasetComparison: Encodable {
    private enum Keys: String, CodingKey {
        case referenceRows = "reference_rows"
        case currentRows = "current_rows"
        case drifted
        case columns
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(referenceRows, forKey: .referenceRows)
        try container.encode(currentRows, forKey: .currentRows)
        try container.encode(columns.filter { $0.decision?.drifted == true }.map(\.column), forKey: .drifted)
        try container.encode(columns, forKey: .columns)
    }
}

extension ColumnComparison: Codable {
    private enum Keys: String, CodingKey {
        case column, kind, reference, current
        case ksStatistic = "ks_statistic"
        case ksPValue = "ks_pvalue"
        case ksMethod = "ks_method"
        case wasserstein
        case wassersteinNorm = "wasserstein_norm"
        case edges, categories
        case unseenCategories = "unseen_categories"
        case chi2Statistic = "chi2_statistic"
        case chi2PValue = "chi2_pvalue"
        case chi2Dof = "chi2_dof"
        case referenceCounts = "reference_counts"
        case currentCounts = "current_counts"
        case referenceProportions = "reference_proportions"
        case currentProportions = "current_proportions"
        case psi, kl, js, decision, problems
    }

    private enum SideKeys: String, CodingKey {
        case rows, values
        case nullShare = "null_share"
    }

    private enum DecisionKeys: String, CodingKey {
        case method, value, threshold, drifted
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(column, forKey: .column)
        try container.encode(kind.rawValue, forKey: .kind)
        for (key, side) in [(Keys.reference, reference), (Keys.current, current)] {
            var nested = container.nestedContainer(keyedBy: SideKeys.self, forKey: key)
            try nested.encode(side.rows, forKey: .rows)
            try nested.encode(side.values, forKey: .values)
            try nested.encode(side.nullShare, forKey: .nullShare)
        }
        try container.encode(kolmogorovSmirnov?.statistic, forKey: .ksStatistic)
        try container.encode(kolmogorovSmirnov?.pValue, forKey: .ksPValue)
        try container.encode(kolmogorovSmirnov?.method.rawValue, forKey: .ksMethod)
        try container.encode(wasserstein, forKey: .wasserstein)
        try container.encode(wassersteinNormalised, forKey: .wassersteinNorm)
        try container.encode(bins?.innerEdges, forKey: .edges)
        try container.encode(categories, forKey: .categories)
        try container.encode(unseenCategories, forKey: .unseenCategories)
        try container.encode(chiSquare?.statistic, forKey: .chi2Statistic)
        try container.encode(chiSquare?.pValue, forKey: .chi2PValue)
        try container.encode(chiSquare?.degreesOfFreedom, forKey: .chi2Dof)
        try container.encode(referenceCounts, forKey: .referenceCounts)
        try container.encode(currentCounts, forKey: .currentCounts)
        try container.encode(referenceProportions, forKey: .referenceProportions)
        try container.encode(currentProportions, forKey: .currentProportions)
        try container.encode(psi, forKey: .psi)
        try container.encode(kl, forKey: .kl)
        try container.encode(js, forKey: .js)
        if let decision {
            var nested = container.nestedContainer(keyedBy: DecisionKeys.self, forKey: .decision)
            try nested.encode(decision.method.rawValue, forKey: .method)
            try nested.encode(decision.value, forKey: .value)
            try nested.encode(decision.threshold, forKey: .threshold)
            try nested.encode(decision.drifted, forKey: .drifted)
        } else {
            try container.encodeNil(forKey: .decision)
        }
        try container.encode(problems, forKey: .problems)
    }
}

extension ColumnComparison {
    /// Reads what `encode(to:)` writes (a drift topic's record, for the report of a window).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        func side(_ key: Keys) throws -> SideSummary {
            let nested = try container.nestedContainer(keyedBy: SideKeys.self, forKey: key)
            return SideSummary(
                rows: try nested.decode(Int.self, forKey: .rows), values: try nested.decode(Int.self, forKey: .values))
        }
        self.init(
            column: try container.decode(String.self, forKey: .column),
            kind: try container.decode(ColumnKind.self, forKey: .kind), reference: try side(.reference),
            current: try side(.current))
        if let statistic = try container.decodeIfPresent(Double.self, forKey: .ksStatistic),
            let pValue = try container.decodeIfPresent(Double.self, forKey: .ksPValue),
            let method = try container.decodeIfPresent(KolmogorovSmirnovTest.Method.self, forKey: .ksMethod)
        {
            kolmogorovSmirnov = KolmogorovSmirnovTest(statistic: statistic, pValue: pValue, method: method)
        }
        wasserstein = try container.decodeIfPresent(Double.self, forKey: .wasserstein)
        wassersteinNormalised = try container.decodeIfPresent(Double.self, forKey: .wassersteinNorm)
        bins = try container.decodeIfPresent([Double].self, forKey: .edges).map(QuantileBins.init(innerEdges:))
        categories = try container.decodeIfPresent([String].self, forKey: .categories)
        unseenCategories = try container.decodeIfPresent([String].self, forKey: .unseenCategories) ?? []
        if let statistic = try container.decodeIfPresent(Double.self, forKey: .chi2Statistic),
            let pValue = try container.decodeIfPresent(Double.self, forKey: .chi2PValue),
            let freedom = try container.decodeIfPresent(Int.self, forKey: .chi2Dof)
        {
            chiSquare = ChiSquareTest(statistic: statistic, degreesOfFreedom: freedom, pValue: pValue)
        }
        referenceCounts = try container.decodeIfPresent([Int].self, forKey: .referenceCounts)
        currentCounts = try container.decodeIfPresent([Int].self, forKey: .currentCounts)
        referenceProportions = try container.decodeIfPresent([Double].self, forKey: .referenceProportions)
        currentProportions = try container.decodeIfPresent([Double].self, forKey: .currentProportions)
        psi = try container.decodeIfPresent(Double.self, forKey: .psi)
        kl = try container.decodeIfPresent(Double.self, forKey: .kl)
        js = try container.decodeIfPresent(Double.self, forKey: .js)
        if container.contains(.decision), try !container.decodeNil(forKey: .decision) {
            let nested = try container.nestedContainer(keyedBy: DecisionKeys.self, forKey: .decision)
            decision = DriftDecision(
                method: try nested.decode(DriftMethod.self, forKey: .method),
                value: try nested.decode(Double.self, forKey: .value),
                threshold: try nested.decode(Double.self, forKey: .threshold))
        }
        problems = try container.decodeIfPresent([String].self, forKey: .problems) ?? []
    }
}
