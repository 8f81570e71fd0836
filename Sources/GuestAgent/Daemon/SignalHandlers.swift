import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Synchronization

/// Runs a closure (on a global queue) when a signal arrives; the signal's default action is switched off.
public enum SignalHandlers {
    /// Dispatch sources are thread-safe objects that Swift does not mark `Sendable`; they are only kept alive here.
    private struct SourceBox: @unchecked Sendable { let source: any DispatchSourceSignal }
    private static let sources = Mutex<[SourceBox]>([])

    public static func onSignal(_ number: Int32, _ handler: @escaping @Sendable () -> Void) {
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler(handler: handler)
        source.resume()
        let box = SourceBox(source: source)
        sources.withLock { $0.append(box) }
    }
}
