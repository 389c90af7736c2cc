import Foundation
import Logging
import Metrics
import SluiceCore
import SluiceKafka
import SluiceOffline
import SluiceOnlineStore
import SluiceRedis
import SluiceRuntime

/// One run of the engine: the poll loop and the partitions' state, confined to the engine's
/// thread. Each loop turn polls a batch, applies rebalances, positions new partitions from the
/// store, admits and applies the batch (`BatchApplier`), and hands its writes to the writer
/// lane while the next batch is computed.
final class EngineLoop {
    let engine: StreamEngine
    let compiled: CompiledTopology
    let keys: OnlineStoreLayout
    let redis: any RedisCommandClient
    let consumer: KafkaConsumer
    let deadLetters: DeadLetterPublisher
    let inbox = RebalanceInbox()
    /// Reads partitions' progress from Redis: in the rebalance callback and when positioning.
    let storedProgress: StoredProgressReader
    let logger: Logger
    let metrics: EngineMetricHandles
    let progress: ProgressReporter
    let admission: EventAdmission
    /// The online store only, or the feature log too.
    let applier: any BatchApplier

    var partitions: [Int32: PartitionState] = [:]
    /// Writes batches while the next batch is computed.
    let writer: RedisWriterLane
    /// The batch the writer lane is writing.
    var inFlight: InFlightBatch?
    private var buffers = PipelineBuffers()
    private var assignment = AssignmentTracker()
    /// Messages to take per batch: the configured maximum, lowered when batches run slow so that
    /// the consumer polls well within `max.poll.interval.ms` (a debug build computing the feature
    /// log can take a millisecond per event).
    var batchLimit: Int
    /// Smoothed processing time per message, in nanoseconds.
    var costPerMessage: Double = 0
    var redisBackoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5))
    var lastKafkaCommit = ContinuousClock.now
    var totalProcessed = 0
    var deadLettersByReason: [RejectionReason: Int] = [:]
    var phases = PhaseTimes()
    /// Runs a batch's apply tasks on every core; started on first use, so that a run that fails
    /// to start leaves no threads behind.
    private var applyTasksStarted: ParallelTasks?
    private var applyTasks: ParallelTasks {
        if let applyTasksStarted { return applyTasksStarted }
        let tasks = ParallelTasks(threads: engine.configuration.threads, name: "sluice.apply")
        applyTasksStarted = tasks
        return tasks
    }

    init(
        engine: StreamEngine, redis: any RedisCommandClient, writer: any RedisCommandClient,
        client: KafkaClientConfiguration
    ) throws {
        self.writer = RedisWriterLane(connection: writer)
        self.engine = engine
        // Start small: the cost per message is unknown until a batch was measured.
        self.batchLimit = min(engine.configuration.batchMessageLimit, 1_000)
        let compiled = engine.compiled
        self.compiled = compiled
        self.keys = OnlineStoreLayout(compiled: compiled)
        let rules = EventRules(topology: compiled.topology, layouts: compiled.layouts)
        self.admission = EventAdmission(decoder: compiled.decoder, rules: rules)
        if let options = engine.configuration.offlineLog {
            var options = options
            // Without one transaction over a batch's keys, a crash can leave part of a batch
            // written: its staged rows are then the log's (docs/storage.md).
            options.rowsPastProgress = writer.supportsTransactionsAcrossKeys ? .dropped : .kept
            let log = try FeatureLogWriter(
                options: options, topology: compiled.topology, fingerprint: compiled.fingerprint, logger: engine.log)
            self.applier = FeatureLogBatchApplier(rules: rules, log: log)
        } else {
            self.applier = PartitionBatchApplier(rules: rules)
        }
        self.redis = redis
        self.logger = engine.log
        var consumerConfiguration = KafkaConsumerConfiguration(groupID: engine.groupID, client: client)
        consumerConfiguration.autoOffsetReset = .earliest
        consumerConfiguration.preferPromptFetches()
        let storedProgress = StoredProgressReader(redis: redis, keys: keys)
        self.storedProgress = storedProgress
        consumer = try KafkaConsumer(
            configuration: consumerConfiguration, logger: logger,
            rebalanceHandler: RebalanceInbox.callback(
                inbox: inbox, writer: self.writer, storedProgress: storedProgress, logger: logger))
        var producerConfiguration = KafkaProducerConfiguration(client: client)
        producerConfiguration.linger = .milliseconds(2)
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        deadLetters = DeadLetterPublisher(producer: producer, topic: compiled.topology.source.deadLetterTopic)
        metrics = EngineMetricHandles(views: compiled.topology.views.map(\.name))
        progress = ProgressReporter(interval: engine.configuration.progressInterval)
    }

    private var allCaughtUp: Bool { !partitions.isEmpty && partitions.values.allSatisfy(\.machine.isCaughtUp) }

    // MARK: - Loop

    func loop() throws {
        let configuration = engine.configuration
        try consumer.subscribe(topics: [compiled.topology.source.topic])
        logger.info(
            "consuming", metadata: ["topic": "\(compiled.topology.source.topic)", "group": "\(engine.groupID)"])
        assignment.started()
        defer { shutdown() }
        while !engine.isStopping {
            let pollStart = ContinuousClock.now
            let batch = try consumer.poll(maxMessages: batchLimit, timeout: configuration.pollTimeout)
            phases.poll += ContinuousClock.now - pollStart
            if inbox.hasEvents || partitions.values.contains(where: { !$0.machine.isPositioned }) { finishInFlight() }
            applyRebalances()
            for error in batch.errors { reportKafkaError(error) }
            positionPartitions()
            if !batch.messages.isEmpty {
                process(batch.messages)
            }
            for (topicPartition, offset) in batch.reachedEnd {
                partitions[topicPartition.partition]?.machine.reachedEnd(at: offset)
            }
            if batch.messages.isEmpty {
                // Quiet topic: roll the feature log by age here, since no batch commit will.
                do { try applier.rollDue(force: false) } catch { recoverFromFailedBatch(error) }
            }
            reportProgress()
            commitToKafkaIfDue(force: false)
            if configuration.untilEnd {
                // An empty assignment is a rebalance in progress, not the end of the work.
                if allCaughtUp {
                    finishInFlight()
                    guard allCaughtUp else { continue }
                    progress.finish(processed: totalProcessed, partitions: partitions, deadLetters: deadLettersByReason)
                    logger.debug("time per batch phase", metadata: phases.metadata)
                    logger.info(
                        "caught up: every assigned partition reached its end", metadata: ["events": "\(totalProcessed)"]
                    )
                    return
                }
                switch assignment.verdict(timeout: configuration.assignmentTimeout) {
                case .waiting:
                    break
                case .ownedByOthers:
                    logger.info(
                        "no partitions assigned for \(configuration.assignmentTimeout): the other processes of the group own them all"
                    )
                    return
                case .neverAssigned:
                    throw StreamingError(
                        .noAssignment,
                        "no partitions were assigned within \(configuration.assignmentTimeout); is the group '\(engine.groupID)' busy?"
                    )
                }
            }
        }
        logger.info("stopping: last batch written", metadata: ["events": "\(totalProcessed)"])
        logger.debug("time per batch phase", metadata: phases.metadata)
    }

    private func shutdown() {
        applyTasksStarted?.stop()
        finishInFlight()
        applier.finishRun(logger: logger)
        commitToKafkaIfDue(force: true)
        do { try consumer.close() } catch {
            logger.warning("consumer did not close cleanly", metadata: ["error": "\(error)"])
        }
        do { try deadLetters.producer.flushBlocking(timeout: .seconds(10)) } catch {
            logger.error("dead-letter records still unsent at shutdown", metadata: ["error": "\(error)"])
        }
    }

    // MARK: - Partitions

    private func applyRebalances() {
        var receivedAssignment = false
        for event in inbox.drain() {
            switch event {
            case .assigned(let assigned, let stored):
                receivedAssignment = true
                var positioned: [PartitionState] = []
                for topicPartition in assigned where partitions[topicPartition.partition] == nil {
                    let state = PartitionState(partition: topicPartition.partition, views: compiled.layouts.count)
                    partitions[topicPartition.partition] = state
                    // librdkafka starts at the stored offset: the state only has to match it.
                    if let progress = stored?[topicPartition.partition], position(state, at: progress) {
                        positioned.append(state)
                    }
                }
                if !positioned.isEmpty { logPositioned(positioned) }
            case .revoked(let revoked):
                for topicPartition in revoked {
                    partitions[topicPartition.partition] = nil
                    applier.close(partition: topicPartition.partition)
                }
            }
        }
        metrics.assignedPartitions.record(partitions.count)
        assignment.update(receivedAssignment: receivedAssignment, assigned: partitions.count)
    }

    /// Positions newly assigned partitions (and all of them after a Redis failure) at the offsets
    /// stored in Redis: pause, read, seek, resume. While Redis is down they stay paused.
    private func positionPartitions() {
        let waiting = partitions.values.filter { !$0.machine.isPositioned }.sorted { $0.partition < $1.partition }
        guard !waiting.isEmpty, redisBackoff.isDue else { return }
        let topic = compiled.topology.source.topic
        let topicPartitions = waiting.map { KafkaTopicPartition(topic, $0.partition) }
        do {
            try consumer.pause(topicPartitions)
            let stored = try storedProgress.read(partitions: waiting.map(\.partition))
            var seeks: [KafkaTopicPartition: KafkaOffset] = [:]
            for state in waiting {
                guard let progress = stored[state.partition] else { continue }
                try applier.open(partition: state.partition, resumeAt: progress.nextOffset)
                seeks[KafkaTopicPartition(topic, state.partition)] = .exact(progress.nextOffset)
            }
            try consumer.seek(seeks)
            try consumer.resume(topicPartitions)
            for state in waiting {
                if let progress = stored[state.partition] { state.perform(state.machine.position(at: progress)) }
            }
            redisBackoff.succeeded()
            logPositioned(waiting)
        } catch {
            let delay = redisBackoff.failed()
            metrics.redisFailures.increment()
            if error is RedisError { writer.reconnectBeforeNextWrite() }
            logger.error(
                "cannot position partitions; retrying", metadata: ["error": "\(error)", "retry_in": "\(delay)"])
        }
    }

    /// Takes a partition's progress read when it was assigned (its fetching starts there).
    /// Returns false if the feature log cannot resume it, leaving it to `positionPartitions`.
    private func position(_ state: PartitionState, at progress: StoredProgress) -> Bool {
        do {
            try applier.open(partition: state.partition, resumeAt: progress.nextOffset)
        } catch {
            logger.error(
                "cannot resume the feature log; positioning the partition again",
                metadata: ["partition": "\(state.partition)", "error": "\(error)"])
            return false
        }
        state.perform(state.machine.position(at: progress))
        return true
    }

    private func logPositioned(_ states: [PartitionState]) {
        let positions = states.sorted { $0.partition < $1.partition }.map { "\($0.partition)@\($0.machine.nextOffset)" }
        logger.info(
            "partitions positioned from the offsets stored in Redis",
            metadata: ["positions": "\(positions.joined(separator: ","))"])
    }

    // MARK: - Batches

    private func process(_ messages: [KafkaConsumerMessage]) {
        let batchStart = ContinuousClock.now
        progress.firstBatchArrived()
        evictCachesIfNeeded()
        var batch = admit(messages)
        guard batch.consumed > 0 else { return }
        let parts: [RedisPipeline]
        do {
            let decoded = ContinuousClock.now
            phases.decode += decoded - batchStart
            try loadMissingEntities(&batch)
            let loaded = ContinuousClock.now
            phases.load += loaded - decoded
            parts = apply(batch)
            let applied = ContinuousClock.now
            phases.apply += applied - loaded
            try deadLetters.publish(batch.deadLetters)
        } catch {
            recoverFromFailedBatch(error)
            return
        }
        // Batch N+1 was computed on top of batch N: if N's write failed, both are void.
        guard finishInFlight() else { return }
        do {
            try applier.persistPending()
        } catch {
            recoverFromFailedBatch(error)
            return
        }
        var progressSnapshot: [Int32: (nextOffset: Int64, clock: PartitionClock)] = [:]
        for partition in batch.touchedPartitions {
            if let state = partitions[partition] {
                progressSnapshot[partition] = (state.machine.nextOffset, state.machine.clock)
            }
        }
        adaptBatchLimit(messages: messages.count, took: ContinuousClock.now - batchStart)
        writer.submit(parts, atomically: applier.writesAtomically)
        inFlight = InFlightBatch(
            progress: progressSnapshot, consumed: batch.consumed, accepted: batch.accepted.count,
            deadLetters: batch.deadLetters.map(\.rejection.reason), started: batchStart,
            writeStarted: ContinuousClock.now, oldestMessageTime: messages.lazy.compactMap(\.timestamp).min())
    }

    /// Admits the messages of positioned partitions not processed yet (`EventAdmission`):
    /// accepted events in order, rejected ones for the dead-letter topic.
    private func admit(_ messages: [KafkaConsumerMessage]) -> AdmittedBatch {
        var batch = AdmittedBatch()
        for message in messages {
            guard let state = partitions[message.partition], state.machine.receive(offset: message.offset) == .process
            else { continue }
            batch.touchedPartitions.insert(message.partition)
            batch.consumed += 1
            let verdict = message.value.withUnsafeBytes {
                admission.admit($0, messageTimestamp: message.timestamp, clock: &state.machine.clock)
            }
            switch verdict {
            case .failure(let rejection):
                batch.deadLetters.append((message, rejection))
            case .success(let accepted):
                for index in compiled.layouts.indices where accepted.lateMask & (1 << UInt64(index)) != 0 {
                    metrics.lateViewUpdates[index].increment()
                }
                batch.accepted.append(
                    AcceptedEvent(
                        partition: message.partition, offset: message.offset, event: accepted.event,
                        late: accepted.lateMask, newestAfter: accepted.newestEventTime))
            }
        }
        return batch
    }

    /// Keeps one batch's processing near a second, far inside the consumer's poll interval.
    private func adaptBatchLimit(messages: Int, took: Duration) {
        let cost = Double(took.nanoseconds) / Double(max(messages, 1))
        costPerMessage = costPerMessage == 0 ? cost : 0.8 * costPerMessage + 0.2 * cost
        let affordable = Int(1e9 / max(costPerMessage, 1))
        // Grow at most fourfold per batch, so one cheap batch cannot invite a huge slow one.
        batchLimit = min(engine.configuration.batchMessageLimit, max(100, min(affordable, batchLimit * 4)))
    }

    /// Collects the write in flight: on success its partitions' progress becomes committed and it
    /// is counted; on failure everything not written is dropped. Returns whether it succeeded.
    @discardableResult
    private func finishInFlight() -> Bool {
        let waitStart = ContinuousClock.now
        guard let batch = inFlight, let (outcome, finished, parts) = writer.collect() else { return true }
        phases.waitForWrite += ContinuousClock.now - waitStart
        inFlight = nil
        buffers.reclaim(parts)
        if case .failure(let error) = outcome {
            recoverFromFailedBatch(error)
            return false
        }
        // Timed to the write's last reply, not to this collection, which a live engine only
        // makes when the next batch arrives.
        let written = finished.instant
        phases.write += written - batch.writeStarted
        metrics.redisWriteDuration.recordNanoseconds((written - batch.writeStarted).nanoseconds)
        for (partition, progress) in batch.progress {
            partitions[partition]?.machine.written(nextOffset: progress.nextOffset, clock: progress.clock)
        }
        do {
            try applier.commitWritten()
        } catch {
            // The rows are safe in the staging files; repositioning rebuilds the log from them.
            recoverFromFailedBatch(error)
            return false
        }
        metrics.eventsConsumed.increment(by: batch.consumed)
        metrics.eventsAccepted.increment(by: batch.accepted)
        for reason in batch.deadLetters {
            metrics.deadLetters[reason]?.increment()
            deadLettersByReason[reason, default: 0] += 1
        }
        totalProcessed += batch.consumed
        progress.count(batch.consumed)
        metrics.batchDuration.recordNanoseconds((written - batch.started).nanoseconds)
        if let oldest = batch.oldestMessageTime {
            // From the producer's timestamp of the batch's oldest message to its state being
            // readable: how stale the online store can be (clocks of one machine, or synced ones).
            let staleness = max(0, finished.epochMillis - oldest)
            metrics.batchStaleness.recordNanoseconds(staleness * 1_000_000)
            phases.stalenessMax = max(phases.stalenessMax, .milliseconds(staleness))
        }
        return true
    }

    /// Makes sure every entity the batch touches is cached (`BatchApplier.cacheEntities`),
    /// reading the stored tiles of those that are not in one pipelined round trip (each
    /// partition keeps its own tiles).
    private func loadMissingEntities(_ batch: inout AdmittedBatch) throws {
        var missing: [EntityRef: Set<Int32>] = [:]
        applier.cacheEntities(of: &batch, partitions: partitions, missing: &missing)
        guard !missing.isEmpty else { return }
        let refs = Array(missing.keys)
        let layouts = compiled.layouts
        var pipeline = RedisPipeline(reservingCapacity: refs.count * 64)
        for ref in refs {
            pipeline.beginCommand(argumentCount: 2)
            pipeline.add("HGETALL")
            pipeline.add(keys.entityKey(view: layouts[ref.view], entity: ref.entity))
        }
        let replies = try redis.execute(pipeline)
        for (ref, reply) in zip(refs, replies) {
            if let message = reply.errorMessage {
                throw OnlineStoreError(.unexpectedReply, "reading entity \(ref.entity): \(message)")
            }
            let layout = layouts[ref.view]
            let wanted = missing[ref]!
            let stored = try OnlineStoreReader.tiles(
                from: reply, layout: layout, partition: wanted.count == 1 ? wanted.first : nil)
            let appliedOffsets = OnlineStoreReader.appliedOffsets(from: reply)
            for partition in wanted {
                let tiles = EntityTiles(
                    groupCount: layout.groups.count, tiles: stored.filter { $0.partition == partition },
                    appliedOffset: appliedOffsets[partition] ?? -1)
                let entities = partitions[partition]!.views[ref.view]
                entities.inPlace(at: entities.slot(of: ref.entity)!) { $0.tiles = tiles }
            }
        }
    }

    /// Applies the batch (`BatchApplier.apply`) and returns its writes: each task's commands
    /// from its own buffer, which it swaps for one whose write has finished (no copy into one
    /// batch buffer), then the HSET of the touched partitions' progress.
    private func apply(_ batch: AdmittedBatch) -> [RedisPipeline] {
        let outputs = applier.apply(batch, partitions: partitions, tasks: applyTasks, keys: keys, now: .now)
        var parts: [RedisPipeline] = []
        parts.reserveCapacity(outputs.count + 1)
        var alreadyApplied = 0
        for (view, output) in outputs {
            var part = buffers.take(largest: true)
            swap(&part, &output.pipeline)
            parts.append(part)
            if output.alreadyApplied > 0 {
                metrics.alreadyAppliedViewUpdates[view].increment(by: output.alreadyApplied)
            }
            alreadyApplied += output.alreadyApplied
        }
        if alreadyApplied > 0 {
            logger.info(
                "skipped view updates the stored tiles already hold (written before a crash, ahead of the progress)",
                metadata: ["updates": "\(alreadyApplied)"])
        }
        let progressed = batch.touchedPartitions.sorted()
        var pipeline = buffers.take(largest: false)
        pipeline.beginCommand(argumentCount: 2 + 2 * progressed.count)
        pipeline.add("HSET")
        pipeline.add(keys.offsetsKey)
        for partition in progressed {
            let machine = partitions[partition]!.machine
            pipeline.add(keys.offsetsField(partition: partition))
            pipeline.add(
                StoredProgress(nextOffset: machine.nextOffset, newestEventTime: machine.clock.newestEventTime).text)
        }
        parts.append(pipeline)
        return parts
    }

    /// After a failed batch nothing of it was written: drop every cache and reposition every
    /// partition from Redis once it answers again.
    private func recoverFromFailedBatch(_ error: any Error) {
        metrics.redisFailures.increment()
        let delay = redisBackoff.failed()
        logger.error(
            "batch not written; repositioning from the stored offsets once Redis answers",
            metadata: ["error": "\(error)", "retry_in": "\(delay)"])
        for state in partitions.values { state.perform(state.machine.lost()) }
        applier.discardUnwritten()
        let topic = compiled.topology.source.topic
        try? consumer.pause(partitions.keys.map { KafkaTopicPartition(topic, $0) })
    }

    /// Drops every cache once it grows past the limit. Only with no write in flight: a reload must
    /// never read state older than the cache it replaces.
    private func evictCachesIfNeeded() {
        let cached = partitions.values.reduce(0) { $0 + $1.cachedEntities }
        metrics.cachedEntities.record(cached)
        guard cached > engine.configuration.maxCachedEntities else { return }
        guard finishInFlight() else { return }
        for state in partitions.values { state.dropCache() }
        logger.debug("entity cache dropped", metadata: ["entities": "\(cached)"])
    }

    // MARK: - Reporting

    private func reportKafkaError(_ error: KafkaError) {
        metrics.kafkaErrors(error.code).increment()
        logger.warning("kafka: \(error.message)", metadata: ["code": "\(error.code)"])
    }

    private func reportProgress() {
        guard progress.isDue else { return }
        var lag: Int64 = 0
        for state in partitions.values where state.machine.isPositioned {
            let topicPartition = KafkaTopicPartition(compiled.topology.source.topic, state.partition)
            if let marks = consumer.cachedWatermarks(topicPartition) {
                let partitionLag = max(0, marks.high - state.machine.nextOffset)
                lag += partitionLag
                metrics.lag(state.partition).record(partitionLag)
            }
        }
        progress.report(processed: totalProcessed, lag: lag, partitions: partitions)
    }

    private func commitToKafkaIfDue(force: Bool) {
        guard force || ContinuousClock.now - lastKafkaCommit >= engine.configuration.kafkaCommitInterval else { return }
        lastKafkaCommit = ContinuousClock.now
        var offsets: [KafkaTopicPartition: Int64] = [:]
        for state in partitions.values where state.machine.isPositioned && state.machine.committedOffset > 0 {
            offsets[KafkaTopicPartition(compiled.topology.source.topic, state.partition)] =
                state.machine.committedOffset
        }
        do { try consumer.commit(offsets, waitForBroker: force) } catch {
            logger.debug("kafka offset commit failed (resuming uses Redis)", metadata: ["error": "\(error)"])
        }
    }
}
