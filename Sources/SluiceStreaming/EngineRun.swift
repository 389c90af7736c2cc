import Foundation
import Logging
import Metrics
import SluiceCore
import SluiceKafka
import SluiceOffline
import SluiceOnlineStore
import SluiceRedis
import SluiceRuntime

/// One run of the engine: its clients and per-partition state, confined to the engine's thread.
final class EngineRun {
    let engine: StreamEngine
    let compiled: CompiledTopology
    let keys: OnlineStoreLayout
    let layouts: [ViewLayout]
    let redis: RedisConnection
    let consumer: KafkaConsumer
    let producer: KafkaProducer
    let inbox = RebalanceInbox()
    /// Reads partitions' progress from Redis: in the rebalance callback and when positioning.
    let storedProgress: StoredProgressReader
    let logger: Logger
    let metrics: EngineMetricHandles
    let progress: ProgressReporter

    var partitions: [Int32: PartitionState] = [:]
    /// Writes batches while the next batch is computed.
    let writer: RedisWriterLane
    /// The batch the writer lane is writing.
    var inFlight: InFlightBatch?
    /// The pipelines of the last batch written, whose buffers the next batch fills again (a
    /// batch's commands run to tens of megabytes: fresh buffers cost page faults every batch).
    private var writtenPipelines: [RedisPipeline] = []
    /// Lateness and feature-log rows, shared with replay.
    let step: EventStep
    /// The offline feature log, with `--offline-dir`.
    let featureLog: FeatureLogWriter?
    var everAssigned = false
    /// When the assignment last became empty (a rebalance in progress, or more processes than
    /// partitions); nil while partitions are assigned.
    var unassignedSince: ContinuousClock.Instant?
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
    /// Time spent per batch phase, logged at the end of a run (debug level).
    var phases = PhaseTimes()
    /// Runs a batch's apply tasks (a view of a partition each) on every core; started on first
    /// use, so that a run that fails to start leaves no threads behind.
    private var applyTasksStarted: ParallelTasks?
    private var applyTasks: ParallelTasks {
        if let applyTasksStarted { return applyTasksStarted }
        let tasks = ParallelTasks(threads: engine.configuration.threads, name: "sluice.apply")
        applyTasksStarted = tasks
        return tasks
    }
    private var applyOutputs: [ApplyOutput] = []

    init(engine: StreamEngine, redis: RedisConnection, writer: RedisConnection, client: KafkaClientConfiguration) throws {
        self.writer = RedisWriterLane(connection: writer)
        self.engine = engine
        // Start small: the cost per message is unknown until a batch was measured.
        self.batchLimit = min(engine.configuration.batchMessageLimit, 1_000)
        let compiled = engine.compiled
        self.compiled = compiled
        self.keys = OnlineStoreLayout(compiled: compiled)
        self.layouts = compiled.layouts
        self.step = EventStep(topology: compiled.topology, layouts: compiled.layouts)
        if let options = engine.configuration.offlineLog {
            self.featureLog = try FeatureLogWriter(
                options: options, topology: compiled.topology, fingerprint: compiled.fingerprint, logger: engine.log)
        } else {
            self.featureLog = nil
        }
        self.redis = redis
        self.logger = engine.log
        var consumerConfiguration = KafkaConsumerConfiguration(groupID: engine.groupID, client: client)
        consumerConfiguration.autoOffsetReset = .earliest
        consumerConfiguration.preferPromptFetches()
        let inbox = self.inbox
        let writerLane = self.writer
        let storedProgress = StoredProgressReader(redis: redis, keys: OnlineStoreLayout(compiled: compiled))
        self.storedProgress = storedProgress
        let logger = self.logger
        consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger) { event in
            // Runs inside poll on the engine thread: let a write in flight land before partitions
            // change hands, so a new owner never races it.
            writerLane.waitIfBusy()
            switch event {
            case .revoked(let revoked):
                inbox.append(.revoked(revoked))
                return [:]
            case .assigned(let assigned):
                // Starting where the stored progress says saves the committed-offset lookup and
                // the seek after it, which against Tansu often held the first fetch back a second.
                // Without an answer from Redis the loop positions the partitions later.
                let stored: [Int32: StoredProgress]?
                do {
                    stored = try storedProgress.readIfConnected(partitions: assigned.map(\.partition))
                } catch {
                    logger.warning("cannot read the stored offsets while partitions are assigned; positioning them later", metadata: ["error": "\(error)"])
                    if error is RedisError { writerLane.reconnectBeforeNextWrite() }
                    stored = nil
                }
                inbox.append(.assigned(assigned, stored: stored))
                guard let stored else { return [:] }
                var starts: [KafkaTopicPartition: KafkaOffset] = [:]
                for topicPartition in assigned {
                    if let progress = stored[topicPartition.partition] { starts[topicPartition] = .exact(progress.nextOffset) }
                }
                return starts
            }
        }
        var producerConfiguration = KafkaProducerConfiguration(client: client)
        producerConfiguration.linger = .milliseconds(2)
        producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        metrics = EngineMetricHandles(views: compiled.topology.views.map(\.name))
        progress = ProgressReporter(interval: engine.configuration.progressInterval)
    }

    // MARK: - Loop

    func loop() throws {
        let configuration = engine.configuration
        try consumer.subscribe(topics: [compiled.topology.source.topic])
        logger.info(
            "consuming", metadata: ["topic": "\(compiled.topology.source.topic)", "group": "\(engine.groupID)"])
        let started = ContinuousClock.now
        defer { shutdown() }
        while !engine.isStopping {
            let pollStart = ContinuousClock.now
            let batch = try consumer.poll(maxMessages: batchLimit, timeout: configuration.pollTimeout)
            phases.poll += ContinuousClock.now - pollStart
            if inbox.hasEvents || partitions.values.contains(where: { !$0.positioned }) { finishInFlight() }
            applyRebalances()
            for error in batch.errors { reportKafkaError(error) }
            positionPartitions()
            if !batch.messages.isEmpty {
                process(batch.messages)
            }
            for (topicPartition, offset) in batch.reachedEnd {
                if let state = partitions[topicPartition.partition], state.positioned, offset >= state.nextOffset {
                    state.atEnd = true
                }
            }
            if batch.messages.isEmpty, let featureLog {
                // Quiet topic: roll by age here, since no batch commit will.
                do { try featureLog.rollDue(force: false) } catch { recoverFromFailedBatch(error) }
            }
            reportProgress()
            commitToKafkaIfDue(force: false)
            if configuration.untilEnd {
                // An empty assignment is a rebalance in progress, not the end of the work.
                if !partitions.isEmpty && partitions.values.allSatisfy({ $0.positioned && $0.atEnd }) {
                    finishInFlight()
                    guard partitions.values.allSatisfy({ $0.positioned && $0.atEnd }) else { continue }
                    progress.finish(processed: totalProcessed, partitions: partitions, deadLetters: deadLettersByReason)
                    logger.debug("time per batch phase", metadata: phases.metadata)
                    logger.info("caught up: every assigned partition reached its end", metadata: ["events": "\(totalProcessed)"])
                    return
                }
                if everAssigned, let since = unassignedSince, ContinuousClock.now - since > configuration.assignmentTimeout {
                    logger.info("no partitions assigned for \(configuration.assignmentTimeout): the other processes of the group own them all")
                    return
                }
                if !everAssigned && ContinuousClock.now - started > configuration.assignmentTimeout {
                    throw StreamingError(.noAssignment, "no partitions were assigned within \(configuration.assignmentTimeout); is the group '\(engine.groupID)' busy?")
                }
            }
        }
        logger.info("stopping: last batch written", metadata: ["events": "\(totalProcessed)"])
        logger.debug("time per batch phase", metadata: phases.metadata)
    }

    private func shutdown() {
        applyTasksStarted?.stop()
        finishInFlight()
        if let featureLog {
            do {
                try featureLog.rollDue(force: true)
                logger.info("feature log written", metadata: ["rows": "\(featureLog.rowsRolled)", "files": "\(featureLog.filesWritten)"])
            } catch {
                logger.error("feature log not rolled at shutdown; its staged rows are kept for the next run", metadata: ["error": "\(error)"])
            }
        }
        commitToKafkaIfDue(force: true)
        do { try consumer.close() } catch { logger.warning("consumer did not close cleanly", metadata: ["error": "\(error)"]) }
        do { try producer.flushBlocking(timeout: .seconds(10)) } catch {
            logger.error("dead-letter records still unsent at shutdown", metadata: ["error": "\(error)"])
        }
    }

    // MARK: - Partitions

    private func applyRebalances() {
        for event in inbox.drain() {
            switch event {
            case .assigned(let assigned, let stored):
                everAssigned = true
                var positioned: [PartitionState] = []
                for topicPartition in assigned where partitions[topicPartition.partition] == nil {
                    let state = PartitionState(partition: topicPartition.partition, views: layouts.count)
                    partitions[topicPartition.partition] = state
                    // librdkafka starts at the stored offset: the state only has to match it.
                    if let progress = stored?[topicPartition.partition], position(state, at: progress) { positioned.append(state) }
                }
                if !positioned.isEmpty { logPositioned(positioned) }
            case .revoked(let revoked):
                for topicPartition in revoked {
                    partitions[topicPartition.partition] = nil
                    featureLog?.close(partition: topicPartition.partition)
                }
            }
        }
        metrics.assignedPartitions.record(partitions.count)
        if partitions.isEmpty {
            if unassignedSince == nil { unassignedSince = .now }
        } else {
            unassignedSince = nil
        }
    }

    /// Positions newly assigned partitions (and all of them after a Redis failure) at the offsets
    /// stored in Redis: pause, read, seek, resume. While Redis is down they stay paused.
    private func positionPartitions() {
        let waiting = partitions.values.filter { !$0.positioned }.sorted { $0.partition < $1.partition }
        guard !waiting.isEmpty, redisBackoff.isDue else { return }
        let topic = compiled.topology.source.topic
        let topicPartitions = waiting.map { KafkaTopicPartition(topic, $0.partition) }
        do {
            try consumer.pause(topicPartitions)
            let stored = try storedProgress.read(partitions: waiting.map(\.partition))
            var seeks: [KafkaTopicPartition: KafkaOffset] = [:]
            for state in waiting {
                guard let progress = stored[state.partition] else { continue }
                try take(progress, into: state)
                seeks[KafkaTopicPartition(topic, state.partition)] = .exact(progress.nextOffset)
            }
            try consumer.seek(seeks)
            try consumer.resume(topicPartitions)
            for state in waiting { state.positioned = true }
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
            try take(progress, into: state)
        } catch {
            logger.error("cannot resume the feature log; positioning the partition again", metadata: ["partition": "\(state.partition)", "error": "\(error)"])
            return false
        }
        state.positioned = true
        return true
    }

    /// Sets a partition's state (and its feature log) to its stored progress.
    private func take(_ progress: StoredProgress, into state: PartitionState) throws {
        try featureLog?.open(partition: state.partition, resumeAt: progress.nextOffset)
        state.reset(nextOffset: progress.nextOffset, newestEventTime: progress.newestEventTime)
        // No progress: the partition is read from its first offset with empty entities; tiles a
        // crashed first batch may have left are rewritten whole by the same events.
        state.storeHoldsNothing = !progress.isStored
    }

    private func logPositioned(_ states: [PartitionState]) {
        logger.info(
            "partitions positioned from the offsets stored in Redis",
            metadata: ["positions": "\(states.sorted { $0.partition < $1.partition }.map { "\($0.partition)@\($0.nextOffset)" }.joined(separator: ","))"])
    }

    // MARK: - Batches

    private func process(_ messages: [KafkaConsumerMessage]) {
        let batchStart = ContinuousClock.now
        progress.firstBatchArrived()
        evictCachesIfNeeded()
        var work = BatchWork()
        let decoder = compiled.decoder
        for message in messages {
            guard let state = partitions[message.partition], state.positioned, message.offset >= state.nextOffset else { continue }
            state.atEnd = false
            state.nextOffset = message.offset + 1
            work.touchedPartitions.insert(message.partition)
            work.consumed += 1
            let decoded = message.value.withUnsafeBytes { decoder.decode($0, messageTimestamp: message.timestamp) }
            switch decoded {
            case .failure(let rejection):
                work.deadLetters.append((message, rejection))
            case .success(let event):
                let late = step.lateMask(eventTime: event.eventTime, clock: state.clock)
                if late == step.allViewsMask {
                    let watermark = step.watermark(clock: state.clock)
                    work.deadLetters.append((message, Rejection(.late, "event time \(event.eventTime) is before the watermark \(watermark)")))
                    continue
                }
                for index in layouts.indices where late & (1 << UInt64(index)) != 0 { metrics.lateViewUpdates[index].increment() }
                state.clock.advance(to: event.eventTime)
                work.accepted.append(AcceptedEvent(partition: message.partition, offset: message.offset, event: event, late: late, newestAfter: state.clock.newestEventTime))
            }
        }
        guard work.consumed > 0 else { return }
        let transaction: [RedisPipeline]
        do {
            let decoded = ContinuousClock.now
            phases.decode += decoded - batchStart
            try loadMissingEntities(&work)
            let loaded = ContinuousClock.now
            phases.load += loaded - decoded
            transaction = apply(&work)
            let applied = ContinuousClock.now
            phases.apply += applied - loaded
            try sendDeadLetters(work.deadLetters)
        } catch {
            recoverFromFailedBatch(error)
            return
        }
        // Batch N+1 was computed on top of batch N: if N's write failed, both are void.
        guard finishInFlight() else { return }
        do {
            try featureLog?.persistPending()
        } catch {
            recoverFromFailedBatch(error)
            return
        }
        var progressSnapshot: [Int32: (nextOffset: Int64, clock: PartitionClock)] = [:]
        for partition in work.touchedPartitions {
            if let state = partitions[partition] { progressSnapshot[partition] = (state.nextOffset, state.clock) }
        }
        adaptBatchLimit(messages: messages.count, took: ContinuousClock.now - batchStart)
        // With a feature log, rows of replayed events need the state from just before them,
        // which only whole-batch transactions guarantee.
        writer.submit(transaction, atomically: featureLog != nil)
        inFlight = InFlightBatch(
            progress: progressSnapshot, consumed: work.consumed, accepted: work.accepted.count,
            deadLetters: work.deadLetters.map(\.1.reason), started: batchStart, writeStarted: ContinuousClock.now,
            oldestMessageTime: messages.lazy.compactMap(\.timestamp).min())
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
        // Smallest first: the apply outputs take the largest buffers (their commands are most of
        // a batch), the batch's progress the smallest.
        writtenPipelines = parts.sorted { $0.capacity < $1.capacity }
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
            partitions[partition]?.commit(nextOffset: progress.nextOffset, clock: progress.clock)
        }
        do {
            try featureLog?.commitInFlight()
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

    /// Makes sure every entity the batch touches is cached, reading the stored tiles of those
    /// that are not in one pipelined round trip (each partition keeps its own tiles), and,
    /// without the feature log, notes each event's cache slots in `work.entitySlots`.
    private func loadMissingEntities(_ work: inout BatchWork) throws {
        var missing: [EntityRef: Set<Int32>] = [:]
        // A partition with nothing stored has nothing to load: its entities start empty. One to
        // load is given its slot now, holding no tiles until they are read (a failed read drops
        // the whole cache).
        func slot(of entity: String, view: Int, in state: PartitionState) -> Int32 {
            if let slot = state.views[view].slot(of: entity) { return slot }
            if !state.storeHoldsNothing { missing[EntityRef(view: view, entity: entity), default: []].insert(state.partition) }
            return state.views[view].insert(EntityTiles(groupCount: layouts[view].groups.count), for: entity)
        }
        work.entitySlots.removeAll(keepingCapacity: true)
        if featureLog != nil {
            // The log reads every view of every event across all partitions of this process, so
            // each of them must hold the entity's stored tiles.
            let owned = partitions.values.filter(\.positioned)
            for item in work.accepted {
                for viewIndex in layouts.indices {
                    let entity = step.entity(of: item.event, view: viewIndex)
                    for state in owned { _ = slot(of: entity, view: viewIndex, in: state) }
                }
            }
        } else {
            work.entitySlots.reserveCapacity(work.accepted.count * layouts.count)
            for item in work.accepted {
                let state = partitions[item.partition]!
                for (viewIndex, layout) in layouts.enumerated() {
                    guard item.late & (1 << UInt64(viewIndex)) == 0 else {
                        work.entitySlots.append(-1)
                        continue
                    }
                    work.entitySlots.append(slot(of: item.event.values[layout.keyFieldIndex].stringValue!, view: viewIndex, in: state))
                }
            }
        }
        guard !missing.isEmpty else { return }
        let refs = Array(missing.keys)
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
            let stored = try OnlineStoreReader.tiles(from: reply, layout: layout, partition: wanted.count == 1 ? wanted.first : nil)
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

    /// Applies accepted events to the cached tiles and builds the batch's writes, as tasks
    /// run on every core. Without a feature log each (view, partition) pair is a task: it sees its
    /// partition's events in offset order, which is all its state depends on. A log row reads a
    /// view across partitions, so with the log each view is a task that goes through the batch in
    /// order, writing each event's features of the view (from the state before it) and then
    /// applying it; the rows are put together afterwards.
    private func apply(_ work: inout BatchWork) -> [RedisPipeline] {
        let batchClock = ContinuousClock.now
        let jobs: [ApplyJob]
        if featureLog != nil {
            let owned = partitions.values.filter(\.positioned).sorted { $0.partition < $1.partition }
            let rows = Array(Int32(0)..<Int32(work.accepted.count))
            jobs = layouts.indices.map { view in
                ApplyJob(view: view, partitions: owned.map { ($0.partition, $0.views[view]) }, rows: rows, logsFeatures: true)
            }
        } else {
            // Each task goes through its partition's events only, not the whole batch.
            let touched = work.touchedPartitions.sorted()
            let indexOf = Dictionary(uniqueKeysWithValues: touched.enumerated().map { ($1, $0) })
            var rowsOf = Array(repeating: [Int32](), count: touched.count)
            for (row, item) in work.accepted.enumerated() { rowsOf[indexOf[item.partition]!].append(Int32(row)) }
            jobs = layouts.indices.flatMap { view in
                touched.indices.map { ApplyJob(view: view, partitions: [(touched[$0], partitions[touched[$0]]!.views[view])], rows: rowsOf[$0], logsFeatures: false) }
            }
        }
        while applyOutputs.count < jobs.count { applyOutputs.append(ApplyOutput()) }
        let accepted = work.accepted, slots = work.entitySlots, outputs = applyOutputs, step = step, keys = keys
        let order = jobs.indices.sorted { outputs[$0].time.last > outputs[$1].time.last }
        applyTasks.run(order: order) { index in
            outputs[index].apply(accepted, slots: slots, job: jobs[index], step: step, keys: keys, now: batchClock)
        }
        // Each output's commands go out from its own buffer, which it swaps for one whose write
        // has finished: no copy into one batch buffer.
        var parts: [RedisPipeline] = []
        parts.reserveCapacity(jobs.count + 1)
        var alreadyApplied = 0
        for index in jobs.indices {
            var part = reusablePipeline(largest: true)
            swap(&part, &outputs[index].pipeline)
            parts.append(part)
            if outputs[index].alreadyApplied > 0 { metrics.alreadyAppliedViewUpdates[jobs[index].view].increment(by: outputs[index].alreadyApplied) }
            alreadyApplied += outputs[index].alreadyApplied
        }
        if alreadyApplied > 0 {
            logger.info(
                "skipped view updates the stored tiles already hold (written before a crash, ahead of the progress)",
                metadata: ["updates": "\(alreadyApplied)"])
        }
        if let featureLog {
            for (row, item) in accepted.enumerated() {
                var features: [Double?] = []
                features.reserveCapacity(step.logLayout.featureNames.count)
                for index in jobs.indices { outputs[index].appendFeatures(ofRow: row, to: &features) }
                featureLog.append(step.logRow(item.event, partition: item.partition, offset: item.offset, features: features))
            }
        }
        let progressed = work.touchedPartitions.sorted()
        var pipeline = reusablePipeline(largest: false)
        pipeline.beginCommand(argumentCount: 2 + 2 * progressed.count)
        pipeline.add("HSET")
        pipeline.add(keys.offsetsKey)
        for partition in progressed {
            let state = partitions[partition]!
            pipeline.add(keys.offsetsField(partition: partition))
            pipeline.add(StoredProgress(nextOffset: state.nextOffset, newestEventTime: state.clock.newestEventTime).text)
        }
        parts.append(pipeline)
        return parts
    }

    /// An empty pipeline, with the largest (or smallest) buffer of those already written when
    /// there is one: a buffer that has to grow again touches fresh memory, page by page.
    private func reusablePipeline(largest: Bool) -> RedisPipeline {
        guard !writtenPipelines.isEmpty else { return RedisPipeline(reservingCapacity: 1 << 16) }
        var pipeline = largest ? writtenPipelines.removeLast() : writtenPipelines.removeFirst()
        pipeline.removeAll(keepingCapacity: true)
        return pipeline
    }

    /// Sends rejected events to the dead-letter topic and waits until the broker has them.
    private func sendDeadLetters(_ deadLetters: [(KafkaConsumerMessage, Rejection)]) throws {
        guard !deadLetters.isEmpty else { return }
        let topic = compiled.topology.source.deadLetterTopic
        for (message, rejection) in deadLetters {
            var headers = message.headers
            headers.append(KafkaHeader(key: "sluice.reason", value: rejection.reason.rawValue))
            headers.append(KafkaHeader(key: "sluice.detail", value: String(rejection.detail.prefix(1000))))
            headers.append(KafkaHeader(key: "sluice.source.topic", value: message.topic))
            headers.append(KafkaHeader(key: "sluice.source.partition", value: String(message.partition)))
            headers.append(KafkaHeader(key: "sluice.source.offset", value: String(message.offset)))
            try producer.enqueue(
                KafkaProducerMessage(topic: topic, key: message.key, value: message.value, timestamp: message.timestamp, headers: headers))
        }
        try producer.flushBlocking(timeout: .seconds(30))
    }

    /// After a failed batch nothing of it was written: drop every cache and reposition every
    /// partition from Redis once it answers again.
    private func recoverFromFailedBatch(_ error: any Error) {
        metrics.redisFailures.increment()
        let delay = redisBackoff.failed()
        logger.error(
            "batch not written; repositioning from the stored offsets once Redis answers",
            metadata: ["error": "\(error)", "retry_in": "\(delay)"])
        for state in partitions.values { state.invalidate() }
        featureLog?.discardUncommitted()
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
        for state in partitions.values where state.positioned {
            if let marks = consumer.cachedWatermarks(KafkaTopicPartition(compiled.topology.source.topic, state.partition)) {
                let partitionLag = max(0, marks.high - state.nextOffset)
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
        for state in partitions.values where state.positioned && state.committedOffset > 0 {
            offsets[KafkaTopicPartition(compiled.topology.source.topic, state.partition)] = state.committedOffset
        }
        do { try consumer.commit(offsets, waitForBroker: force) } catch {
            logger.debug("kafka offset commit failed (resuming uses Redis)", metadata: ["error": "\(error)"])
        }
    }
}

// MARK: - State

/// What the engine knows about one assigned partition.
final class PartitionState {
    let partition: Int32
    /// Whether the consumer was moved to the stored offset; messages before that are ignored.
    var positioned = false
    var nextOffset: Int64 = 0
    var clock = PartitionClock()
    var atEnd = false
    /// Per view: this partition's entities.
    let views: [ViewEntities]
    var cachedEntities: Int { views.reduce(0) { $0 + $1.count } }
    /// No tile of this partition is stored: it was positioned with no stored progress and its
    /// cache was never dropped since, so every entity it has not cached is empty and need not
    /// be read from Redis (a fresh run's catch-up skips those reads).
    var storeHoldsNothing = false
    /// As of the last written batch.
    private(set) var committedOffset: Int64 = 0
    private var committedClock = PartitionClock()

    init(partition: Int32, views: Int) {
        self.partition = partition
        self.views = (0..<views).map { _ in ViewEntities() }
    }

    func reset(nextOffset: Int64, newestEventTime: Int64) {
        self.nextOffset = nextOffset
        clock = PartitionClock(newestEventTime: newestEventTime)
        committedOffset = nextOffset
        committedClock = clock
        atEnd = false
        dropCache()
    }

    /// Records progress whose batch is now written.
    func commit(nextOffset: Int64, clock: PartitionClock) {
        committedOffset = nextOffset
        committedClock = clock
    }

    /// Forgets everything not written; the partition must be positioned again.
    func invalidate() {
        positioned = false
        nextOffset = committedOffset
        clock = committedClock
        dropCache()
    }

    func dropCache() {
        storeHoldsNothing = false
        for view in views { view.removeAll() }
    }
}

/// One view's entities of one partition. A class of its own so that batches can apply events to
/// several views and partitions at once, each from one thread.
final class ViewEntities: @unchecked Sendable {
    /// The cached entities, each at a fixed place (its slot) until the cache is dropped: a batch
    /// looks each event's entity up once, when it makes sure it is cached, and its apply tasks
    /// go to the slot directly.
    private(set) var entries: [CachedEntity] = []
    private var slots: [String: Int32] = [:]

    struct CachedEntity {
        let entity: String
        var tiles: EntityTiles
        /// When this process last set the TTL of the entity's key.
        var ttlSetAt: ContinuousClock.Instant?
    }

    var count: Int { entries.count }

    /// Caches an entity not cached yet; returns its slot.
    func insert(_ tiles: EntityTiles, for entity: String) -> Int32 {
        let slot = Int32(entries.count)
        entries.append(CachedEntity(entity: entity, tiles: tiles))
        slots[entity] = slot
        return slot
    }

    /// The entity's slot, if it is cached.
    func slot(of entity: String) -> Int32? { slots[entity] }

    /// Whether the key's TTL should be set in this batch: never set by this process, or set more
    /// than a tenth of the TTL ago. Forgotten with the cache, which only makes it set again.
    func needsTTLRefresh(at slot: Int32, ttl: Int64, now: ContinuousClock.Instant) -> Bool {
        inPlace(at: slot) { entity in
            if let last = entity.ttlSetAt, now - last < .milliseconds(ttl / 10) { return false }
            entity.ttlSetAt = now
            return true
        }
    }

    /// Reads or changes the cached entity at `slot` in place. Reading `entries[slot]` as a value
    /// copies the entity (a retain and release of every array it holds) on every event; the
    /// mutating accessor lends it.
    @inline(__always)
    func inPlace<Result>(at slot: Int32, _ body: (inout CachedEntity) -> Result) -> Result {
        body(&entries[Int(slot)])
    }

    func removeAll() {
        entries.removeAll()
        slots.removeAll()
    }
}

/// One task of a batch's apply: a view of one partition, or with the feature log, a view of
/// every owned partition (in ascending partition order).
struct ApplyJob {
    let view: Int
    let partitions: [(partition: Int32, entities: ViewEntities)]
    /// The batch's events (rows of `BatchWork.accepted`) of those partitions, in order.
    let rows: [Int32]
    let logsFeatures: Bool

    func entities(of partition: Int32) -> ViewEntities? {
        partitions.first { $0.partition == partition }?.entities
    }
}

/// What one apply task wrote: its commands and, with the feature log, its view's features of
/// every event; reused from batch to batch.
final class ApplyOutput: @unchecked Sendable {
    var pipeline = RedisPipeline(reservingCapacity: 1 << 16)
    private(set) var time = TaskTime()
    private var encoder = TileWriteEncoder()
    /// With the feature log: entities whose tiles the batch changed, encoded at the end.
    private var dirty: [(partition: Int32, entities: ViewEntities, slot: Int32)] = []
    /// Without the feature log, an entity's changes are encoded right after its last event of
    /// the batch, while its tiles are still in the processor's caches: rows of last events,
    /// found in a backward pass that stamps each slot with the batch number (per position in
    /// `job.rows`).
    private var isLastOfEntity: [Bool] = []
    private var slotStamps: [UInt32] = []
    private var stamp: UInt32 = 0
    private var features: [Double?] = []
    private var width = 0
    private var scratch: [Double?] = []
    private var windows = WindowScratch()
    /// Events of the last batch that the stored tiles already held.
    private(set) var alreadyApplied = 0

    /// Goes through the batch's events of the job's partitions (`job.rows`) in order: logs each
    /// one's features of the view if the job does, applies those not late for the view, and
    /// writes the changed tiles of the entities they touched. `slots`: `BatchWork.entitySlots`
    /// (empty with the feature log).
    func apply(
        _ accepted: [AcceptedEvent], slots: [Int32], job: ApplyJob, step: EventStep, keys: OnlineStoreLayout, now: ContinuousClock.Instant
    ) {
        let started = ContinuousClock.now
        pipeline.removeAll()
        alreadyApplied = 0
        dirty.removeAll(keepingCapacity: true)
        features.removeAll(keepingCapacity: true)
        width = step.logFeatureCount(view: job.view)
        let layout = step.layouts[job.view]
        let bit: UInt64 = 1 << UInt64(job.view)
        let viewCount = step.layouts.count
        let keyPrefix = Array(keys.entityKeyPrefix(view: layout).utf8)
        let encodesAtLastEvent = !job.logsFeatures
        if encodesAtLastEvent { findLastEvents(slots: slots, job: job, viewCount: viewCount) }
        for (position, row) in job.rows.lazy.map(Int.init).enumerated() {
            let item = accepted[row]
            guard let entities = job.entities(of: item.partition) else { continue }
            let slot: Int32
            if job.logsFeatures {
                let entity = step.entity(of: item.event, view: job.view)
                step.appendLogFeatures(view: job.view, of: item.event, to: &features, scratch: &scratch, windows: &windows) { visit in
                    for (_, owned) in job.partitions {
                        if let slot = owned.slot(of: entity) { owned.inPlace(at: slot) { visit(&$0.tiles) } }
                    }
                }
                guard item.late & bit == 0 else { continue }
                slot = entities.slot(of: entity)!
            } else {
                guard item.late & bit == 0 else { continue }
                slot = slots[row * viewCount + job.view]
            }
            if entities.inPlace(at: slot, { $0.tiles.holdsEvent(at: item.offset) }) {
                // Written before a crash, ahead of the partition's progress (writes are not one
                // transaction: docs/storage.md). Its key may have missed its TTL then.
                alreadyApplied += 1
                if entities.needsTTLRefresh(at: slot, ttl: layout.view.ttl, now: now) {
                    encoder.appendExpire(entity: entities.entries[Int(slot)].entity, layout: layout, keyPrefix: keyPrefix, into: &pipeline)
                }
                // (A partition's events come in offset order: when an entity's last one is held,
                // so were the earlier ones, which changed nothing, and encoding below writes
                // nothing.)
            } else {
                let becameDirty = entities.inPlace(at: slot) {
                    step.apply(
                        item.event, to: &$0.tiles, view: job.view, partition: item.partition, offset: item.offset,
                        newestEventTime: item.newestAfter)
                }
                if becameDirty && !encodesAtLastEvent { dirty.append((item.partition, entities, slot)) }
            }
            if encodesAtLastEvent && isLastOfEntity[position] {
                encodeChanges(at: slot, of: entities, layout: layout, partition: item.partition, keyPrefix: keyPrefix, now: now)
            }
        }
        for (partition, entities, slot) in dirty {
            encodeChanges(at: slot, of: entities, layout: layout, partition: partition, keyPrefix: keyPrefix, now: now)
        }
        time.record(since: started)
    }

    /// Writes the changes of the entity at `slot` to `pipeline`, setting its key's TTL when the
    /// tiles were written and this process has not set it lately.
    private func encodeChanges(
        at slot: Int32, of entities: ViewEntities, layout: ViewLayout, partition: Int32, keyPrefix: [UInt8],
        now: ContinuousClock.Instant
    ) {
        let wroteTiles = entities.inPlace(at: slot) { cached in
            encoder.encode(
                entity: cached.entity, tiles: &cached.tiles, layout: layout, partition: partition, keyPrefix: keyPrefix,
                into: &pipeline)
        }
        // The TTL only needs refreshing now and then: a key written recently by this process
        // still has most of its TTL left.
        if wroteTiles && entities.needsTTLRefresh(at: slot, ttl: layout.view.ttl, now: now) {
            encoder.appendExpire(layout, into: &pipeline)
        }
    }

    /// Marks in `isLastOfEntity` the positions in `job.rows` of the last event (not late for the
    /// view) of each entity of the job's partition.
    private func findLastEvents(slots: [Int32], job: ApplyJob, viewCount: Int) {
        // `job.rows` are all of the job's one partition.
        isLastOfEntity.removeAll(keepingCapacity: true)
        isLastOfEntity.append(contentsOf: repeatElement(false, count: job.rows.count))
        guard let entities = job.partitions.first?.entities else { return }
        if slotStamps.count < entities.count { slotStamps.append(contentsOf: repeatElement(0, count: entities.count - slotStamps.count)) }
        stamp &+= 1
        if stamp == 0 {
            // Wrapped around: no slot may keep a stamp from 2^32 batches ago.
            for index in slotStamps.indices { slotStamps[index] = 0 }
            stamp = 1
        }
        for position in job.rows.indices.reversed() {
            let slot = slots[Int(job.rows[position]) * viewCount + job.view]
            guard slot >= 0, slotStamps[Int(slot)] != stamp else { continue }
            slotStamps[Int(slot)] = stamp
            isLastOfEntity[position] = true
        }
    }

    /// Appends the view's features of the batch's `row`-th event (a job that logs features).
    func appendFeatures(ofRow row: Int, to values: inout [Double?]) {
        values.append(contentsOf: features[row * width..<(row + 1) * width])
    }
}

/// What a batch whose writes are in flight will commit once written.
struct InFlightBatch {
    let progress: [Int32: (nextOffset: Int64, clock: PartitionClock)]
    let consumed: Int
    let accepted: Int
    let deadLetters: [RejectionReason]
    let started: ContinuousClock.Instant
    let writeStarted: ContinuousClock.Instant
    /// The oldest Kafka timestamp (epoch ms) among the batch's messages, if any had one.
    let oldestMessageTime: Int64?
}

struct PhaseTimes {
    var decode: Duration = .zero
    var load: Duration = .zero
    var apply: Duration = .zero
    var write: Duration = .zero
    /// In `consumer.poll`, and waiting for the previous batch's write to land.
    var poll: Duration = .zero
    var waitForWrite: Duration = .zero
    /// The largest batch staleness seen (see `sluice_batch_staleness_seconds`).
    var stalenessMax: Duration = .zero

    var metadata: Logger.Metadata {
        [
            "decode": "\(decode)", "load": "\(load)", "apply_and_encode": "\(apply)", "redis_write": "\(write)", "poll": "\(poll)",
            "wait_for_write": "\(waitForWrite)", "staleness_max": "\(stalenessMax)",
        ]
    }
}

struct AcceptedEvent {
    let partition: Int32
    let offset: Int64
    let event: DecodedEvent
    /// Bit v set: the event is late for view v.
    let late: UInt64
    /// The partition's newest event time after this event: its watermark drives pruning.
    let newestAfter: Int64
}

struct BatchWork {
    var accepted: [AcceptedEvent] = []
    /// Without the feature log: the cache slot of accepted event r's entity of view v at
    /// r × views + v, in the event's partition (-1 where the event is late for the view).
    var entitySlots: [Int32] = []
    var deadLetters: [(KafkaConsumerMessage, Rejection)] = []
    var touchedPartitions = Set<Int32>()
    var consumed = 0
}

struct EntityRef: Hashable {
    let view: Int
    let entity: String
}
