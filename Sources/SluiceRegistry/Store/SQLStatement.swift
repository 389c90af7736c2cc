/// One SQL statement with `?` placeholders, written in the SQL that SQLite and PostgreSQL share;
/// a backend renumbers the placeholders if its driver needs (`$1`, `$2`, ...).
public struct SQLStatement: Sendable, Equatable {
    public var sql: String
    public var arguments: [SQLValue]

    public init(_ sql: String, _ arguments: [SQLValue] = []) {
        self.sql = sql
        self.arguments = arguments
    }

    /// The SQL with `?` outside string literals replaced by `$1`, `$2`, ...: PostgreSQL's form.
    public var numberedSQL: String {
        var result = ""
        result.reserveCapacity(sql.utf8.count + 8)
        var number = 0
        var inLiteral = false
        for character in sql {
            if character == "'" { inLiteral.toggle() }
            if character == "?" && !inLiteral {
                number += 1
                result += "$\(number)"
            } else {
                result.append(character)
            }
        }
        return result
    }
}

/// The rows a query returned, each an array of column values in select order.
public typealias SQLRows = [[SQLValue]]
