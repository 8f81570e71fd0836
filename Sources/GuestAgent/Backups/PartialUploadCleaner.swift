import AgentSupport
#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import ObjectStorage
import OsloRPC

/// Deletes what failed and interrupted backups left in the store, and keeps at it in the background until it is
/// gone, so that no segment is left behind for good, whatever the store did meanwhile.
///
/// - A first pass deletes at once what the upload wrote.
/// - The store is listed again once ``settleTime`` has passed since the failure (or since the start that found an
///   interrupted backup): a segment PUT in flight when the agent died may be committed by Swift, or by a buffering
///   proxy, after that first pass. A listing that still finds objects deletes them and waits another settle time.
/// - Failures (the store down longer than the retry budget) are retried with capped back-off, for as long as it
///   takes; the journal record keeps the clean-up across restarts.
/// - A token Swift rejects (401: the request's token expired) is replaced: by a new one from the service
///   credentials when the agent has them, otherwise by the token of the next request for the same account.
///
/// When a listing after the settle time finds nothing, the record is told (``JournalEntry/markStoreCleaned()``).
actor PartialUploadCleaner {
    private let storageFactory: StorageFactory
    private let settleTime: Duration
    private let authenticator: SwiftAuthenticator?
    private let logger: Logger
    private let initialBackoff: Duration
    private let maxBackoff: Duration

    private struct Job {
        let record: JournalEntry
        let objectName: String
        var context: RequestContext
        /// Swift rejected `context`'s token (it expired): use the service credentials' token, or wait for a new
        /// request's.
        var tokenRejected = false
        var wake: CheckedContinuation<Void, Never>?
        var task: Task<Void, Never>?
    }

    private var jobs: [String: Job] = [:]

    init(
        storageFactory: StorageFactory, settleTime: Duration, serviceCredentials: SwiftCredentials?, logger: Logger,
        initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(300)
    ) {
        self.storageFactory = storageFactory
        self.settleTime = settleTime
        self.logger = logger
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        authenticator = serviceCredentials.map { SwiftAuthenticator(credentials: $0, logger: logger) }
    }

    /// Backups whose clean-up is still going on.
    var pending: [String] { jobs.keys.sorted() }

    /// Deletes what the upload of `record`'s object left, once, now.
    ///
    /// - Returns: whether that pass succeeded (the store may still receive a late segment).
    func deleteNow(_ record: JournalEntry) async -> Bool {
        let (objectName, context, id) = await (record.record.objectName, record.record.context, record.record.id)
        guard let objectName else { return true }
        do {
            let deleted = try await storageFactory.storage(for: context).deletePartialUpload(objectName: objectName)
            if !deleted.isEmpty {
                logger.info(
                    "partial upload deleted",
                    metadata: ["backup_id": "\(id)", "backup.object": "\(objectName)", "objects": "\(deleted.count)"])
            }
            return true
        } catch {
            logger.error(
                "could not delete the partial upload now; it is retried in the background",
                metadata: ["backup_id": "\(id)", "backup.object": "\(objectName)", "error": "\(error)"])
            return false
        }
    }

    /// Makes sure nothing of `record`'s upload stays in the store: lists it again after the settle time (deleting
    /// what is found), and retries failures, in the background; then marks the record. Returns at once.
    ///
    /// - Parameter firstPassSucceeded: ``deleteNow(_:)`` already deleted everything once; with no settle time the
    ///   record is then marked at once.
    func keepCleaning(_ record: JournalEntry, firstPassSucceeded: Bool) async {
        let (objectName, context, id) = await (record.record.objectName, record.record.context, record.record.id)
        guard let objectName else {
            await record.markStoreCleaned()
            return
        }
        if firstPassSucceeded && settleTime == .zero {
            await record.markStoreCleaned()
            return
        }
        guard jobs[id] == nil else { return }
        jobs[id] = Job(record: record, objectName: objectName, context: context)
        let clean = firstPassSucceeded
        jobs[id]?.task = Task { await self.run(id: id, cleanAlready: clean) }
    }

    /// A new request's context: clean-ups waiting for a token for the same account take it (their journal records
    /// too, so that a restart has it).
    func offer(_ context: RequestContext) async {
        guard let token = context.authToken, !token.revealed.isEmpty,
            let account = try? storageFactory.accountURL(for: context)
        else { return }
        for (id, job) in jobs where (try? storageFactory.accountURL(for: job.context)) == account {
            jobs[id]?.context = context
            await job.record.update { $0.context = context }
            if job.tokenRejected {
                jobs[id]?.tokenRejected = false
                logger.info("a new request's token resumes a clean-up", metadata: ["backup_id": "\(id)"])
                wake(id)
            }
        }
    }

    /// Stops the background work (at shutdown); the journal keeps what is left for the next start.
    func stop() {
        for job in jobs.values { job.task?.cancel() }
        for id in Array(jobs.keys) { wake(id) }
        jobs.removeAll()
    }

    private func wake(_ id: String) {
        if let continuation = jobs[id]?.wake {
            jobs[id]?.wake = nil
            continuation.resume()
        }
    }

    /// Waits up to `duration`, or until woken by ``offer(_:)`` or ``stop()``. A back-off, not a synchronisation.
    private func pause(_ id: String, for duration: Duration) async {
        await withCheckedContinuation { continuation in
            jobs[id]?.wake = continuation
            Task { [weak self] in
                try? await Task.sleep(for: duration)
                await self?.wake(id)
            }
        }
    }

    private func run(id: String, cleanAlready: Bool) async {
        let clock = ContinuousClock()
        var settledAt = clock.now + settleTime
        var attempt = 0
        var needsListing = !cleanAlready
        while !Task.isCancelled, let job = jobs[id] {
            if !needsListing, clock.now < settledAt {
                await pause(id, for: settledAt - clock.now)
                needsListing = true
                continue
            }
            do {
                let storage = try await storage(for: job)
                let deleted = try await storage.deletePartialUpload(objectName: job.objectName)
                attempt = 0
                if !deleted.isEmpty {
                    logger.warning(
                        "deleted objects of a failed backup that reached the store late",
                        metadata: ["backup_id": "\(id)", "backup.object": "\(job.objectName)", "objects": "\(deleted.count)"])
                    settledAt = max(settledAt, clock.now + settleTime)
                }
                if clock.now >= settledAt && deleted.isEmpty {
                    logger.info("partial upload gone", metadata: ["backup_id": "\(id)", "backup.object": "\(job.objectName)"])
                    jobs[id] = nil
                    await job.record.markStoreCleaned()
                    return
                }
                needsListing = false
            } catch {
                attempt += 1
                let tokenRejected = if case ObjectStorageError.tokenRejected = error { true } else { false }
                if tokenRejected { jobs[id]?.tokenRejected = true }
                let delay = backoff(afterAttempt: attempt)
                let message: Logger.Message =
                    tokenRejected && authenticator == nil
                    ? "the partial upload cannot be deleted with the request's token (expired): waiting for the next request's token"
                    : "the partial upload could not be deleted: trying again"
                logger.log(
                    level: attempt == 1 ? .warning : .info, message,
                    metadata: [
                        "backup_id": "\(id)", "backup.object": "\(job.objectName)", "attempt": "\(attempt)",
                        "retry_in": "\(delay)", "error": "\(error)",
                    ])
                await pause(id, for: delay)
                needsListing = true
            }
        }
    }

    /// The store for a clean-up: the job's context, or, once its token was rejected, the same account with a new
    /// token from the service credentials (when the agent has them).
    private func storage(for job: Job) async throws -> any BackupStorage {
        guard job.tokenRejected, let authenticator else { return try storageFactory.storage(for: job.context) }
        let token = try await authenticator.authenticate()
        return try storageFactory.storage(for: job.context, token: token)
    }

    private func backoff(afterAttempt attempt: Int) -> Duration {
        var delay = initialBackoff
        for _ in 1..<max(1, attempt) where delay < maxBackoff { delay *= 2 }
        return min(delay, maxBackoff) * (0.75 + 0.25 * Double.random(in: 0...1))
    }
}
