import AgentSupport
import AMQP
import ServiceLifecycle

/// The publisher as a service: started first and stopped last, once the RPC server has ended, whatever the
/// group's cancellation says: replies, and the `FAILED` report of a backup aborted at shutdown, go through it.
///
/// It returns only when the group has come to it in its graceful shutdown (it is the first service, so the last
/// asked), so that the services stopped before it can still publish, and none ends before it is asked to (which
/// the group reports as a failure).
struct PublisherService: Service {
    let publisher: AMQPPublisher
    /// Opened when the RPC server has ended (its requests answered or cancelled, its reports handed over).
    let serverEnded: Latch

    func run() async {
        publisher.start()
        await serverEnded.wait()
        // Thrown when the group is cancelled rather than shut down: the publisher stops then too.
        try? await gracefulShutdown()
        publisher.stop()
    }
}
