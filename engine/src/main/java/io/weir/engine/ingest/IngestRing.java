package io.weir.engine.ingest;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import com.lmax.disruptor.util.DaemonThreadFactory;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The multi-producer ring between the HTTP event loops and the consumers: the journaler first, then one
 * shard writer per shard. Producers never block: a full ring is reported to the caller, which answers
 * 429 so the sender backs off (nothing is buffered without bound).
 *
 * <p>Senders are answered after the shard writers, not after the journaler: the shard writer that finishes a
 * request's last slot last completes its ticket, so once a sender has its 204 every query sees its samples
 * (read your writes). No extra thread or hop is involved: one atomic decrement per ticketed slot and shard.
 */
public final class IngestRing implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(IngestRing.class.getName());

    private final Disruptor<IngestBatch> disruptor;
    private final RingBuffer<IngestBatch> ring;
    private final int shardCount;
    private final int batchCapacity;
    private final AtomicLong consumerErrors = new AtomicLong();

    /**
     * @param slots        ring size, a power of two
     * @param batchCapacity samples per slot
     * @param journaler    first consumer; it must also implement the timeout callback to sync an idle WAL
     * @param shardWriters one per shard, run after the journaler; their count must be a power of two
     */
    public IngestRing(int slots, int batchCapacity, EventHandler<IngestBatch> journaler, EventHandler<IngestBatch>[] shardWriters) {
        if (Integer.bitCount(shardWriters.length) != 1) {
            throw new IllegalArgumentException("shard count must be a power of two, got " + shardWriters.length);
        }
        this.shardCount = shardWriters.length;
        this.batchCapacity = batchCapacity;
        // Consumers block rather than spin: on a small machine spinning consumers starve the event loops. The
        // timeout lets the journaler fsync an idle WAL on time.
        this.disruptor = new Disruptor<>(() -> new IngestBatch(batchCapacity, shardCount), slots,
                DaemonThreadFactory.INSTANCE, ProducerType.MULTI, new IngestWaitStrategy(TimeUnit.MILLISECONDS.toNanos(50)));
        this.disruptor.setDefaultExceptionHandler(new CountingExceptionHandler());
        @SuppressWarnings("unchecked")
        EventHandler<IngestBatch>[] stages = new EventHandler[shardWriters.length];
        for (int s = 0; s < stages.length; s++) {
            stages[s] = new AnsweringShardStage(shardWriters[s]);
        }
        this.disruptor.handleEventsWith(journaler).then(stages);
        this.ring = disruptor.getRingBuffer();
    }

    public void start() { disruptor.start(); }

    public int shardCount() { return shardCount; }

    public int batchCapacity() { return batchCapacity; }

    public long capacity() { return ring.getBufferSize(); }

    public long remainingCapacity() { return ring.remainingCapacity(); }

    public long consumerErrors() { return consumerErrors.get(); }

    /** A producer for one thread (an event loop); it owns scratch state and must not be shared. */
    public IngestPublisher newPublisher() { return new IngestPublisher(this); }

    /** @return the highest claimed sequence, or -1 when the ring has no room for {@code slots} slots */
    long tryClaim(int slots) {
        try {
            return ring.tryNext(slots);
        } catch (InsufficientCapacityException e) {
            return -1;
        }
    }

    /**
     * Puts a control event on the ring (any thread; not a hot path).
     *
     * @return false when the ring has no free slot right now (the caller retries later)
     */
    public boolean publishControl(IngestControl event) {
        long seq = tryClaim(1);
        if (seq < 0) {
            return false;
        }
        ring.get(seq).fillControl(event);
        ring.publish(seq);
        return true;
    }

    IngestBatch slot(long sequence) { return ring.get(sequence); }

    void publish(long lo, long hi) { ring.publish(lo, hi); }

    /** Waits until every published batch has been journaled and applied, then stops the consumers. */
    @Override
    public void close() {
        try {
            disruptor.shutdown(30, TimeUnit.SECONDS);
        } catch (com.lmax.disruptor.TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "ingest ring did not drain in 30s; halting");
            disruptor.halt();
        }
    }

    /** A shard writer plus the answer: the last shard to finish a ticketed slot completes the ticket. */
    private static final class AnsweringShardStage implements EventHandler<IngestBatch> {
        private final EventHandler<IngestBatch> writer;

        AnsweringShardStage(EventHandler<IngestBatch> writer) {
            this.writer = writer;
        }

        @Override
        public void onEvent(IngestBatch batch, long sequence, boolean endOfBatch) throws Exception {
            try {
                writer.onEvent(batch, sequence, endOfBatch);
            } finally {
                IngestTicket ticket = batch.ticket();
                if (ticket != null && batch.shardDone()) {
                    if (batch.journalFailed()) {
                        ticket.failed(batch.failureReason());
                    } else {
                        ticket.durable();
                    }
                }
            }
        }

        @Override
        public void onTimeout(long sequence) throws Exception { writer.onTimeout(sequence); }

        @Override
        public void onBatchStart(long batchSize, long queueDepth) { writer.onBatchStart(batchSize, queueDepth); }

        @Override
        public void onStart() { writer.onStart(); }

        @Override
        public void onShutdown() { writer.onShutdown(); }

        @Override
        public void setSequenceCallback(com.lmax.disruptor.Sequence sequenceCallback) {
            writer.setSequenceCallback(sequenceCallback);
        }
    }

    /** Consumers must survive a bad batch: Disruptor's default handler would stop the consumer thread. */
    private final class CountingExceptionHandler implements ExceptionHandler<IngestBatch> {
        @Override
        public void handleEventException(Throwable ex, long sequence, IngestBatch event) {
            consumerErrors.incrementAndGet();
            LOG.log(System.Logger.Level.ERROR, "ingest consumer failed on sequence " + sequence, ex);
        }

        @Override
        public void handleOnStartException(Throwable ex) {
            consumerErrors.incrementAndGet();
            LOG.log(System.Logger.Level.ERROR, "ingest consumer failed to start", ex);
        }

        @Override
        public void handleOnShutdownException(Throwable ex) {
            LOG.log(System.Logger.Level.WARNING, "ingest consumer failed on shutdown", ex);
        }
    }
}
