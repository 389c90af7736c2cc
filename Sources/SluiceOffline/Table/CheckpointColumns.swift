import SluiceParquet

/// The leaf columns of a checkpoint file, row by row: each accessor gives one entry per row (nil
/// where the row has no such value, or the file no such column), so that a reader takes the
/// columns it knows by path and ignores the rest.
struct CheckpointColumns {
    let file: ParquetLeveledFile

    private var nothing: Int { file.rowCount }

    func strings(_ path: [String]) -> [String?] {
        scalars(path) { if case .strings(let values) = $0 { values } else { nil } }
    }

    func int64s(_ path: [String]) -> [Int64?] {
        scalars(path) { if case .int64s(let values) = $0 { values } else { nil } }
    }

    func int32s(_ path: [String]) -> [Int32?] {
        scalars(path) { if case .int32s(let values) = $0 { values } else { nil } }
    }

    func booleans(_ path: [String]) -> [Bool?] {
        scalars(path) { if case .booleans(let values) = $0 { values } else { nil } }
    }

    /// Whether each row has the struct that holds the leaf at `path` (false where the file lacks it).
    func present(_ path: [String]) -> [Bool] {
        guard let column = file.column(path), column.maxRepetition == 0, path.count >= 2 else {
            return Array(repeating: false, count: nothing)
        }
        let level = column.pathDefinitionLevels[path.count - 2]
        return column.definitionLevels.map { Int($0) >= level }
    }

    /// A non-repeated leaf's value per row.
    private func scalars<Value>(_ path: [String], _ typed: (ParquetColumnValues) -> [Value?]?) -> [Value?] {
        guard let column = file.column(path), column.maxRepetition == 0, let values = typed(column.values),
            column.definitionLevels.count == nothing
        else { return Array(repeating: nil, count: nothing) }
        var result: [Value?] = []
        result.reserveCapacity(nothing)
        var next = 0
        for level in column.definitionLevels {
            if Int(level) == column.maxDefinition, next < values.count {
                result.append(values[next])
                next += 1
            } else {
                result.append(nil)
            }
        }
        return result
    }

    /// A map of strings per row, from its `key_value` group's path: nil where the map is null.
    func map(_ entries: [String]) -> [[String: String?]?] {
        let keys = repeated(entries + ["key"])
        let values = repeated(entries + ["value"])
        guard keys.count == nothing else { return Array(repeating: nil, count: nothing) }
        return zip(keys, values.count == nothing ? values : Array(repeating: nil, count: nothing)).map {
            keyList, valueList in
            guard let keyList else { return nil }
            var map: [String: String?] = [:]
            for (index, key) in keyList.enumerated() {
                if let key { map[key] = .some(valueList.flatMap { index < $0.count ? $0[index] : nil }) }
            }
            return map
        }
    }

    /// A list of strings per row, from its element's path: nil where the list is null.
    func list(_ element: [String]) -> [[String?]?] {
        let lists = repeated(element)
        return lists.count == nothing ? lists : Array(repeating: nil, count: nothing)
    }

    /// The leaf at `path` (below one repeated group: a map's key or value, a list's element) as
    /// one list per row of its entries: nil where the repeated group's parent is null, empty where
    /// it has no entries.
    private func repeated(_ path: [String]) -> [[String?]?] {
        guard let column = file.column(path), column.maxRepetition == 1, path.count >= 3,
            case .strings(let values) = column.values
        else { return [] }
        let parentLevel = column.pathDefinitionLevels[path.count - 3]
        let entryLevel = column.pathDefinitionLevels[path.count - 2]
        var rows: [[String?]?] = []
        var next = 0
        for (repetition, definition) in zip(column.repetitionLevels, column.definitionLevels) {
            if repetition == 0 { rows.append(Int(definition) >= parentLevel ? [] : nil) }
            guard Int(definition) >= entryLevel, !rows.isEmpty else { continue }
            if Int(definition) == column.maxDefinition, next < values.count {
                rows[rows.count - 1]?.append(values[next])
                next += 1
            } else {
                rows[rows.count - 1]?.append(nil)
            }
        }
        return rows
    }
}
