import SluiceCore
import SluiceOnlineStore
import Testing

@Suite("A partition's stored progress")
struct StoredProgressTests {
    @Test("'<next offset>:<newest event time>' round-trips")
    func roundTrip() throws {
        let progress = try StoredProgress("1234:-5")
        #expect(progress == StoredProgress(nextOffset: 1234, newestEventTime: -5))
        #expect(progress.isStored)
        #expect(progress.text == "1234:-5")
    }

    @Test("nothing stored means the start of the partition, with nothing in the store")
    func nothingStored() throws {
        let progress = try StoredProgress(nil)
        #expect(progress.nextOffset == 0 && progress.newestEventTime == .min)
        #expect(!progress.isStored)
    }

    @Test(
        "a malformed value is a corrupt value, not a crash",
        arguments: ["", "12", "a:b", "1:2:3", "9999999999999999999:0"])
    func malformed(_ text: String) {
        #expect {
            try StoredProgress(text)
        } throws: { error in
            (error as? OnlineStoreError)?.code == .corruptValue
        }
    }
}
