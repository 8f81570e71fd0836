import Synchronization

/// The request slots of each lane, and the requests waiting for one, in arrival order.
///
/// A request starts when its lane has a free slot; otherwise it waits, its delivery not yet taken from the broker.
/// A finished request hands its slot to the next one waiting in the same lane, so a lane never waits for another.
final class RequestScheduler: Sendable {
    private struct Lane {
        let slots: Int
        var running = 0
        var waiting: [AdmittedRequest] = []
    }

    private struct Lanes {
        var standard: Lane
        var reads: Lane
        var prompt: Lane

        subscript(lane: RPCLane) -> Lane {
            get {
                switch lane {
                case .standard: standard
                case .reads: reads
                case .prompt: prompt
                }
            }
            set {
                switch lane {
                case .standard: standard = newValue
                case .reads: reads = newValue
                case .prompt: prompt = newValue
                }
            }
        }
    }

    private let lanes: Mutex<Lanes>

    init(configuration: RPCServerConfiguration) {
        func lane(_ lane: RPCLane) -> Lane { Lane(slots: max(1, configuration.slots(for: lane))) }
        lanes = Mutex(Lanes(standard: lane(.standard), reads: lane(.reads), prompt: lane(.prompt)))
    }

    /// Returns `request` when a slot of its lane was free (the caller starts it now), nil when it waits.
    func admit(_ request: AdmittedRequest) -> AdmittedRequest? {
        lanes.withLock { lanes in
            if lanes[request.lane].running < lanes[request.lane].slots {
                lanes[request.lane].running += 1
                return request
            }
            lanes[request.lane].waiting.append(request)
            return nil
        }
    }

    /// A request of `lane` ended: returns the next one waiting, which takes over the slot, or frees the slot.
    func next(after lane: RPCLane) -> AdmittedRequest? {
        lanes.withLock { lanes in
            if lanes[lane].waiting.isEmpty {
                lanes[lane].running -= 1
                return nil
            }
            return lanes[lane].waiting.removeFirst()
        }
    }

    /// Forgets every waiting request (their deliveries were never taken: the broker keeps them); returns how many.
    func abandonWaiting() -> Int {
        lanes.withLock { lanes in
            var count = 0
            for lane in RPCLane.allCases {
                count += lanes[lane].waiting.count
                lanes[lane].waiting.removeAll()
            }
            return count
        }
    }
}
