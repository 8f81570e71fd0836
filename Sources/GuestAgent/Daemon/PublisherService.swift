import AgentSupport
import AMQP
import ServiceLifecycle

/// The publisher as a service: started first and stopped last, once the RPC server has ended, whatever the
/// group's cancellation says: replies, and the `FAILED` report of a backup aborted at shutdown, go through it.
struct PublisherService: Service {
    let publisher: AMQPPublisher
    /// Opened when the RPC server has ended (its requests answered or cancelled, its reports handed over).
    let serverEnded: Latch

    func run() async {
        publisher.start()
        await serverEnded.wait()
        publisher.stop()
    }
}
