import ArgumentParser
import NIOCore
import NIOPosix

// `sluice serve` answers on NIO's event loops. Running Swift concurrency's jobs on those same
// threads saves the hops between them and the concurrency pool on every request. This must
// happen on the main thread before the first task runs, so the subcommand is read from the
// arguments here.
if CommandLine.arguments.dropFirst().first == "serve" {
    NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
}
await SluiceCommand.start()

extension SluiceCommand {
    /// `AsyncParsableCommand.main()`, which `@main` would call.
    static func start() async {
        await main()
    }
}
