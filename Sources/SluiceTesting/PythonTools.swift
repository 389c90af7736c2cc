import Foundation

/// Runs the Python helpers in scripts/py with the project's .venv, which holds the independent
/// readers (pyarrow, DuckDB, pandas, scipy) the tests judge Sluice's output with.
public enum PythonTools {
    public static func python() throws -> String {
        let path = TestRepository.path(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestFailure("\(path) is missing; run scripts/setup to create the Python environment")
        }
        return path
    }

    /// Runs scripts/py/`script` with `arguments` and returns its standard output; a non-zero exit
    /// fails with everything the script printed.
    public static func run(_ script: String, _ arguments: [String]) async throws -> String {
        let scriptPath = TestRepository.path("scripts/py/\(script)")
        let (status, output) = try await TestProcess.run(try python(), [scriptPath] + arguments)
        guard status == 0 else {
            throw TestFailure("\(script) \(arguments.joined(separator: " ")) exited \(status):\n\(output)")
        }
        return output
    }

    /// Runs a helper that prints one JSON object on its last line, and decodes it.
    public static func runJSON<T: Decodable>(_ script: String, _ arguments: [String], as type: T.Type) async throws -> T
    {
        let output = try await run(script, arguments)
        guard let line = output.split(separator: "\n").last, let data = line.data(using: .utf8) else {
            throw TestFailure("\(script) printed nothing")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw TestFailure("\(script) printed something that is not the expected JSON (\(error)):\n\(output)")
        }
    }
}
