import ArgumentParser

/// `--metric auc=0.93` and `--tag team=risk`.
enum KeyValueArgument {
    static func pairs(_ arguments: [String], option: String) throws -> [String: String] {
        var pairs: [String: String] = [:]
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
                throw ValidationError("--\(option) '\(argument)' is not KEY=VALUE")
            }
            let key = String(argument[..<equals])
            guard pairs[key] == nil else { throw ValidationError("--\(option) \(key) is given twice") }
            pairs[key] = String(argument[argument.index(after: equals)...])
        }
        return pairs
    }

    static func metrics(_ arguments: [String]) throws -> [String: Double] {
        try pairs(arguments, option: "metric").mapValues { text in
            guard let value = Double(text), value.isFinite else {
                throw ValidationError("--metric value '\(text)' is not a finite number")
            }
            return value
        }
    }
}
