import Foundation
import SluiceTesting
import Testing

@Suite("sluice drift report in headless Chromium", .timeLimit(.minutes(3)))
struct DriftReportTests {
    @Test("one self-contained page: a card and a chart per column with values, rendered to PNG by Chromium")
    func rendersInChromium() async throws {
        let (folder, pairs) = try await DriftFixtures.pairs(seed: 11)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pair = try #require(pairs["asymptotic_far"])
        let out = folder + "/report.html"
        let sluice = try TestProcess.sluiceExecutable()
        let written = try await TestProcess.run(
            sluice,
            ["drift", "report", "--reference", pair["reference"]!, "--current", pair["current"]!, "--out", out])
        #expect(written.status == 0, "\(written.output)")
        #expect(written.output.contains("columns drifted"))
        let html = try String(contentsOfFile: out, encoding: .utf8)
        // Self-contained: nothing fetched from anywhere, no script.
        for outside in ["http://", "https://", "src=", "<script", "@import", "url("] {
            #expect(!html.contains(outside), "the page refers to \(outside)")
        }

        let chromium = try TestProcess.which("chromium")
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
        let dom = try await TestProcess.run(chromium, flags + ["--dump-dom", "file://\(out)"])
        #expect(dom.status == 0)
        let cards = dom.output.components(separatedBy: "<section class=\"card\"").count - 1
        let charts = dom.output.components(separatedBy: "<svg class=\"chart\"").count - 1
        let bars = dom.output.components(separatedBy: "<rect class=\"current\"").count - 1
        #expect(cards == 7, "\(cards) cards")
        // Every column but the all-null one has a chart; bars: one per bin or category, plus the legend's.
        #expect(charts == 6, "\(charts) charts")
        #expect(bars > 6 * 2, "\(bars) current bars")
        #expect(dom.output.contains("columns drifted") && dom.output.contains("unseen categories"))

        let png = folder + "/report.png"
        let shot = try await TestProcess.run(
            chromium, flags + ["--screenshot=\(png)", "--window-size=1100,3000", "file://\(out)"])
        #expect(shot.status == 0, "\(shot.output)")
        let image = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(image.starts(with: [0x89, 0x50, 0x4E, 0x47]), "not a PNG")
        // A blank page of this size compresses to a few kilobytes; charts and text do not.
        #expect(image.count > 60_000, "\(image.count) bytes")
    }
}
