import Foundation
import SluiceCore
import Yams

/// Reads a YAML document node by node and collects every mistake with its file, line and column,
/// what is wrong and what is allowed, instead of stopping at the first: topology files and drift
/// monitor files are checked with it.
struct YAMLReader {
    let file: String
    var issues: [TopologyIssue] = []

    init(file: String) { self.file = file }

    /// The document's root node; a YAML syntax error or an empty document is the one issue.
    static func root(of text: String, file: String) throws(TopologyError) -> Node {
        let reader = YAMLReader(file: file)
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw TopologyError(issues: [
                    TopologyIssue(file: file, line: 1, column: 1, message: "the file is empty")
                ])
            }
            return node
        } catch let error as TopologyError {
            throw error
        } catch let error as YamlError {
            throw TopologyError(issues: [reader.issue(for: error)])
        } catch {
            throw TopologyError(issues: [
                TopologyIssue(file: file, line: 1, column: 1, message: "invalid YAML: \(error)")
            ])
        }
    }

    /// Parses `text` and reads its root with `body`; throws every issue the reading collected.
    static func read<Value>(_ text: String, file: String, _ body: (inout YAMLReader, Node) -> Value)
        throws(TopologyError) -> Value
    {
        let node = try root(of: text, file: file)
        var reader = YAMLReader(file: file)
        let value = body(&reader, node)
        if !reader.issues.isEmpty { throw TopologyError(issues: reader.issues) }
        return value
    }

    /// The file's text; an unreadable file is the one issue.
    static func text(ofFile path: String) throws(TopologyError) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TopologyError(issues: [
                TopologyIssue(
                    file: path, line: 1, column: 1, message: "cannot read the file: \(error.localizedDescription)")
            ])
        }
    }

    mutating func fail(_ node: Node?, _ message: String) {
        issues.append(
            TopologyIssue(file: file, line: node?.mark?.line ?? 1, column: node?.mark?.column ?? 1, message: message))
    }

    func issue(for error: YamlError) -> TopologyIssue {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            return TopologyIssue(
                file: file, line: mark.line, column: mark.column, message: "invalid YAML: \(prefix)\(problem)")
        default:
            return TopologyIssue(file: file, line: 1, column: 1, message: "invalid YAML: \(error)")
        }
    }

    /// The mapping's entries, after checking that every key is one of `allowed`.
    mutating func entries(_ node: Node, _ what: String, allowed: [String]? = nil) -> [(
        key: String, keyNode: Node, value: Node
    )] {
        guard case .mapping(let mapping) = node else {
            fail(node, "\(what) must be a mapping (key: value lines)")
            return []
        }
        var result: [(String, Node, Node)] = []
        var seen = Set<String>()
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else {
                fail(keyNode, "keys of \(what) must be plain names")
                continue
            }
            if let allowed, !allowed.contains(key) {
                fail(keyNode, "unknown key '\(key)' in \(what); allowed: \(allowed.joined(separator: ", "))")
                continue
            }
            if !seen.insert(key).inserted {
                fail(keyNode, "'\(key)' appears twice in \(what)")
                continue
            }
            result.append((key, keyNode, value))
        }
        return result
    }

    mutating func string(_ node: Node, _ what: String) -> String? {
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            fail(node, "\(what) must be a non-empty text")
            return nil
        }
        return scalar.string
    }

    mutating func name(_ node: Node, _ what: String) -> String? {
        guard let text = string(node, what) else { return nil }
        guard text.utf8.allSatisfy({ isNameByte($0) }), text.utf8.first.map({ !isDigit($0) }) == true else {
            fail(node, "\(what) '\(text)' must use only a-z, 0-9 and _ and not start with a digit")
            return nil
        }
        return text
    }

    mutating func duration(_ node: Node, _ what: String, positive: Bool = true) -> Int64? {
        guard let text = string(node, what) else { return nil }
        guard let value = DurationText.milliseconds(text), !positive || value > 0 else {
            fail(
                node,
                "\(what) '\(text)' is not a\(positive ? " positive" : "") duration; write a whole number with ms, s, m, h or d (e.g. 500ms, 1s, 2m, 24h)"
            )
            return nil
        }
        return value
    }

    mutating func number(_ node: Node, _ what: String) -> Double? {
        guard case .scalar = node, let value = node.float ?? node.int.map(Double.init), value.isFinite else {
            fail(node, "\(what) must be a finite number")
            return nil
        }
        return value
    }

    mutating func integer(_ node: Node, _ what: String, range: ClosedRange<Int>) -> Int? {
        guard case .scalar = node, let value = node.int, range.contains(value) else {
            fail(node, "\(what) must be an integer in \(range.lowerBound)...\(range.upperBound)")
            return nil
        }
        return value
    }

    mutating func bool(_ node: Node, _ what: String) -> Bool? {
        guard case .scalar = node, let value = node.bool else {
            fail(node, "\(what) must be true or false")
            return nil
        }
        return value
    }
}

func isNameByte(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || isDigit(byte) || byte == UInt8(ascii: "_")
}

private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
