package io.weir.engine.snapshot;

import io.weir.engine.sketch.SketchShard;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Applies logged samples to the shards that own them, at start-up before the shard writers run. The thread that
 * calls {@link #apply} reads the WAL; each shard gets an applier thread that is the shard's only writer until
 * {@link #finish} returns (which orders everything they wrote before the caller's next step, e.g. starting the
 * ring). Reading, grouping and applying overlap, and shards apply in parallel.
 *
 * <p>Why samples are buffered and regrouped: a WAL interleaves series (a ring batch holds one sample each of up to
 * 2,048 series), so applying records in order touches another series' index entry, activity word and block for
 * every sample, and a node's blocks are far larger than the caches. An applier instead takes a buffer of its
 * shard's samples, groups them by ranges of {@value #RANGE_SERIES} or more local series ids (a range's state stays in the
 * cache while it is applied) and applies range after range; in {@code WalReplayBenchmark}'s 100,000-series WAL that
 * halved the CPU time per sample (230 to 115 ns, loaded machine, 4 M-sample buffers). Each series' samples keep their WAL order and
 * buffers are applied in WAL order, and a shard's series do not affect each other's state, so every series ends as
 * in-order application leaves it. (Which series the memory limit refuses, when it is reached, can differ: it
 * follows the order series are first seen.)
 */
public final class ShardReplay implements AutoCloseable {
    /**
     * At least 1,024 series per range: a few hundred bytes each (index entry, activity word, block header and tail)
     * fit L2. Wider ranges past {@value #MAX_RANGES} ranges: grouping writes one stream per range, and a thousand
     * streams (1 M series) missed the caches; 1 M series in 123 ranges of 8,192 fit L3.
     */
    static final int MIN_RANGE_SHIFT = 10;
    static final int RANGE_SERIES = 1 << MIN_RANGE_SHIFT;
    static final int MAX_RANGES = 128;
    /** Bytes per buffered sample: id, timestamp, value. */
    private static final int SAMPLE_BYTES = Integer.BYTES + Long.BYTES + Double.BYTES;
    private static final int MIN_BUFFER_SAMPLES = 1 << 12;
    /**
     * 1 M samples (20 MB), chosen against 256 k and 4 M on a loaded machine (docs/benchmarks.md): larger buffers hold
     * more samples of each series but no longer fit the caches, so filling and grouping them go to memory; much
     * smaller ones lose the grouping's gain at 100 k series.
     */
    private static final int MAX_BUFFER_SAMPLES = 1 << 20;
    /** The end of the input, to an applier. */
    private static final ReplayColumns END = new ReplayColumns(0);

    private final int mask;
    private final Applier[] appliers;
    /** Per shard, the buffer the reading thread is filling. */
    private final ReplayColumns[] filling;
    private long samples;
    private boolean finished;

    /** @param bufferSamples samples per buffer ({@link #bufferSamples}); each shard has three */
    public ShardReplay(SketchShard[] shards, int bufferSamples) {
        if (Integer.bitCount(shards.length) != 1) {
            throw new IllegalArgumentException("shard count must be a power of two, was " + shards.length);
        }
        this.mask = shards.length - 1;
        this.appliers = new Applier[shards.length];
        this.filling = new ReplayColumns[shards.length];
        for (int s = 0; s < shards.length; s++) {
            filling[s] = new ReplayColumns(bufferSamples);
            appliers[s] = new Applier(s, shards[s], shards.length, bufferSamples);
        }
        for (Applier a : appliers) {
            a.thread.start();
        }
    }

    /**
     * Samples per buffer for a replay of about {@code samplesHint} samples (e.g. the WAL bytes to read: a logged
     * sample rarely takes less than a byte), so a short replay does not reserve buffers for a long one; within
     * [{@value #MIN_BUFFER_SAMPLES}, {@link #heapBound}]. A wrong hint costs speed, never samples.
     */
    public static int bufferSamples(long samplesHint, int shardCount) {
        return (int) Math.clamp(samplesHint / shardCount, MIN_BUFFER_SAMPLES, heapBound(Runtime.getRuntime().maxMemory(), shardCount));
    }

    /**
     * Largest buffer: a shard's three buffers take at most an eighth of the heap (start-up has the heap to itself,
     * and the buffers are garbage once replay ends), within [{@value #MIN_BUFFER_SAMPLES},
     * {@value #MAX_BUFFER_SAMPLES}].
     */
    static int heapBound(long maxHeapBytes, int shardCount) {
        long perShard = maxHeapBytes / 8 / (3L * SAMPLE_BYTES) / shardCount;
        return (int) Math.clamp(perShard, MIN_BUFFER_SAMPLES, MAX_BUFFER_SAMPLES);
    }

    /** Range width (as a shift of local ids) for a buffer whose largest local id is {@code maxLocalId}. */
    static int rangeShift(int maxLocalId) {
        int bits = 32 - Integer.numberOfLeadingZeros(maxLocalId);
        return Math.max(MIN_RANGE_SHIFT, bits - Integer.numberOfTrailingZeros(MAX_RANGES));
    }

    /**
     * Reading thread: queues samples for their shards (the arrays are not kept).
     *
     * @throws IllegalArgumentException for a negative series id, which no valid WAL holds
     * @throws IllegalStateException when an applier failed (its error is the cause)
     */
    public void apply(int count, int[] ids, long[] timestamps, double[] values) {
        for (int i = 0; i < count; i++) {
            int id = ids[i];
            if (id < 0) {
                throw new IllegalArgumentException("series id " + id + " in a SAMPLES record");
            }
            int s = id & mask;
            ReplayColumns buffer = filling[s];
            buffer.add(id, timestamps[i], values[i]);
            if (buffer.isFull()) {
                filling[s] = appliers[s].handOver(buffer);
            }
        }
        samples += count;
    }

    /**
     * Reading thread: applies what is still buffered and waits until every applier is done; the shards then hold
     * every sample passed to {@link #apply}.
     *
     * @throws IllegalStateException when an applier failed (its error is the cause)
     */
    public void finish() {
        for (int s = 0; s < appliers.length; s++) {
            if (filling[s].count > 0) {
                filling[s] = appliers[s].handOver(filling[s]);
            }
        }
        finished = true;
        for (Applier a : appliers) {
            a.end();
        }
        for (Applier a : appliers) {
            a.rethrow();
        }
    }

    /** Samples passed to {@link #apply} so far. */
    public long samples() { return samples; }

    /** Stops the appliers when replay ended early (an error while reading); their shards are then incomplete. */
    @Override
    public void close() {
        if (!finished) {
            finished = true;
            for (Applier a : appliers) {
                a.end();
            }
        }
    }

    /**
     * One shard's writer during replay. Takes full buffers in order, groups each into {@link #grouped} (handing the
     * buffer back at once, so reading continues into it) and applies it. After a failure it keeps taking and
     * handing back buffers without applying them, so the reading thread never waits forever.
     */
    private static final class Applier implements Runnable {
        private final SketchShard shard;
        private final int shardCount;
        private final BlockingQueue<ReplayColumns> full = new ArrayBlockingQueue<>(2);
        private final BlockingQueue<ReplayColumns> free = new ArrayBlockingQueue<>(2);
        private final ReplayColumns grouped;
        private int[] rangeCounts = new int[64];
        private volatile Throwable failure;
        final Thread thread;

        Applier(int index, SketchShard shard, int shardCount, int bufferSamples) {
            this.shard = shard;
            this.shardCount = shardCount;
            this.grouped = new ReplayColumns(bufferSamples);
            free.add(new ReplayColumns(bufferSamples));
            this.thread = Thread.ofPlatform().name("weir-replay-" + index).daemon(true).unstarted(this);
        }

        /** Reading thread: queues a buffer to apply and returns an empty one (waiting while both are in use). */
        ReplayColumns handOver(ReplayColumns buffer) {
            rethrow();
            try {
                full.put(buffer);
                return free.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("WAL replay interrupted", e);
            }
        }

        /** Reading thread: no more buffers; waits for the applier to finish. */
        void end() {
            try {
                full.put(END);
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("WAL replay interrupted", e);
            }
        }

        void rethrow() {
            Throwable t = failure;
            if (t != null) {
                throw new IllegalStateException("WAL replay failed applying samples: " + t, t);
            }
        }

        @Override
        public void run() {
            try {
                for (ReplayColumns buffer; (buffer = full.take()) != END; ) {
                    if (failure == null) {
                        try {
                            int shift = rangeShift(buffer.maxLocalId(shardCount));
                            int ranges = buffer.rangesNeeded(shardCount, shift);
                            if (rangeCounts.length < ranges) {
                                rangeCounts = new int[Math.max(ranges, rangeCounts.length * 2)];
                            }
                            buffer.groupByRangeInto(grouped, shardCount, shift, rangeCounts);
                        } catch (Throwable t) {
                            failure = t;
                        }
                    }
                    buffer.clear();
                    free.put(buffer);
                    if (failure == null) {
                        try {
                            applyGrouped();
                        } catch (Throwable t) {
                            failure = t;
                        }
                    }
                }
            } catch (InterruptedException e) {
                failure = e;
            }
        }

        private void applyGrouped() {
            SketchShard s = shard;
            int[] ids = grouped.ids;
            long[] ts = grouped.timestamps;
            double[] values = grouped.values;
            for (int i = 0, n = grouped.count; i < n; i++) {
                s.update(ids[i], ts[i], values[i]);
            }
            grouped.clear();
        }
    }
}
