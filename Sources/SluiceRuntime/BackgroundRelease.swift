import Foundation

/// Drops the last reference to a large structure (millions of tiles) on another thread, so that
/// a run that is done does not wait for it to be freed.
///
/// `@unchecked Sendable`: the value is moved in by `release` and touched again only by the
/// other thread, to drop it.
public final class BackgroundRelease<Value>: @unchecked Sendable {
    private var value: Value?

    private init(_ value: consuming Value) { self.value = value }

    public static func release(_ value: consuming Value) {
        let box = BackgroundRelease(value)
        Thread.detachNewThread { box.value = nil }
    }
}
