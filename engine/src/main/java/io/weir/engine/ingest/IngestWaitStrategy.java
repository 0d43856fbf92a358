package io.weir.engine.ingest;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.util.Util;

import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * How the ingest ring's consumers wait. For the publishers' cursor they block on a monitor with a timeout (the
 * journaler's idle fsync runs on it), as Disruptor's {@code TimeoutBlockingWaitStrategy} does, but publishers take
 * the monitor only while a consumer waits there. For the stage before them (a shard writer waiting for the journaler
 * to finish a batch) that strategy spins without a pause: on a two-core machine the spinning shard writer spent 18 %
 * of its samples there while the journaler was in its write call, CPU the event loops and query threads needed. Here
 * a consumer spins briefly, then yields, then parks for a few microseconds at a time (measured: no change to the
 * ingest rate, lower query p99 under ingest load; {@code docs/benchmarks.md}, session 8).
 */
final class IngestWaitStrategy implements WaitStrategy {
    /** Busy polls before yielding: a journaler batch that is nearly done is caught without a system call. */
    private static final int SPINS = 64;
    /** Yields before parking: hands the core to a runnable event loop or the journaler itself. */
    private static final int YIELDS = 64;
    /** A park's length; Linux rounds it up to its timer slack (~50 us). */
    private static final long PARK_NANOS = 10_000;

    private final Object mutex = new Object();
    /** Consumers inside the cursor wait. */
    private final AtomicInteger waiters = new AtomicInteger();
    private final long timeoutNanos;

    IngestWaitStrategy(long timeoutNanos) {
        this.timeoutNanos = timeoutNanos;
    }

    @Override
    public long waitFor(long sequence, Sequence cursor, Sequence dependentSequence, SequenceBarrier barrier)
            throws AlertException, InterruptedException, TimeoutException {
        if (cursor.get() < sequence) {
            synchronized (mutex) {
                // announce the wait before looking at the cursor again: a publisher moves the cursor before it
                // looks for waiters, so one of the two sees the other (the fences make that hold for the plain
                // acquire read of the cursor too)
                waiters.incrementAndGet();
                try {
                    VarHandle.fullFence();
                    long remaining = timeoutNanos;
                    while (cursor.get() < sequence) {
                        barrier.checkAlert();
                        remaining = Util.awaitNanos(mutex, remaining);
                        if (remaining <= 0) {
                            throw TimeoutException.INSTANCE;
                        }
                    }
                } finally {
                    waiters.decrementAndGet();
                }
            }
        }
        long available;
        int idle = 0;
        while ((available = dependentSequence.get()) < sequence) {
            barrier.checkAlert();
            if (idle < SPINS) {
                Thread.onSpinWait();
            } else if (idle < SPINS + YIELDS) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(PARK_NANOS);
            }
            idle++;
        }
        return available;
    }

    /**
     * Publishers call this after every publication; taking the monitor each time cost ~2 % of the node's CPU at
     * 2 M samples/s, so it is taken only while a consumer waits on it.
     */
    @Override
    public void signalAllWhenBlocking() {
        VarHandle.fullFence();
        if (waiters.get() > 0) {
            synchronized (mutex) {
                mutex.notifyAll();
            }
        }
    }
}
