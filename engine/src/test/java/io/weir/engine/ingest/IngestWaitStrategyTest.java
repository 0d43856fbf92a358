package io.weir.engine.ingest;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The ring's wait strategy on a real Disruptor ring: wakes on publication, on the stage before, on alerts and timeouts. */
class IngestWaitStrategyTest {
    private final ExecutorService waiter = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        waiter.shutdownNow();
    }

    private static RingBuffer<long[]> ring(long timeoutNanos) {
        return RingBuffer.createMultiProducer(() -> new long[1], 8, new IngestWaitStrategy(timeoutNanos));
    }

    @Test
    void aConsumerBlockedOnTheCursorWakesOnPublication() throws Exception {
        RingBuffer<long[]> ring = ring(TimeUnit.SECONDS.toNanos(60));
        SequenceBarrier barrier = ring.newBarrier();
        for (int round = 0; round < 3; round++) {
            long seq = round;
            CompletableFuture<Long> got = new CompletableFuture<>();
            Thread consumer = new Thread(() -> {
                try {
                    got.complete(barrier.waitFor(seq));
                } catch (Throwable t) {
                    got.completeExceptionally(t);
                }
            });
            consumer.start();
            // publish only once the consumer sleeps on the monitor (its state, not a timed guess)
            while (consumer.getState() != Thread.State.TIMED_WAITING && !got.isDone()) {
                Thread.onSpinWait();
            }
            ring.publish(ring.next());
            // far sooner than the 60 s timeout: the publisher's signal woke it
            assertEquals(seq, got.get(30, TimeUnit.SECONDS));
            consumer.join();
        }
    }

    @Test
    void aConsumerWaitsForTheStageBeforeIt() throws Exception {
        RingBuffer<long[]> ring = ring(TimeUnit.SECONDS.toNanos(60));
        Sequence journaled = new Sequence(-1);
        SequenceBarrier barrier = ring.newBarrier(journaled);
        ring.publish(ring.next());
        ring.publish(ring.next());
        Future<Long> got = waiter.submit(() -> barrier.waitFor(1));
        journaled.set(0);
        assertFalse(got.isDone() && got.get() < 1, "returned before the stage before it reached the sequence");
        journaled.set(1);
        assertEquals(1L, got.get(30, TimeUnit.SECONDS));
    }

    @Test
    void anAlertEndsTheWaitForTheStageBefore() throws Exception {
        RingBuffer<long[]> ring = ring(TimeUnit.SECONDS.toNanos(60));
        SequenceBarrier barrier = ring.newBarrier(new Sequence(-1));
        ring.publish(ring.next());
        Future<Long> got = waiter.submit(() -> barrier.waitFor(0));
        barrier.alert();
        ExecutionException e = assertThrows(ExecutionException.class, () -> got.get(30, TimeUnit.SECONDS));
        assertInstanceOf(AlertException.class, e.getCause());
    }

    @Test
    void anIdleCursorTimesOut() {
        RingBuffer<long[]> ring = ring(TimeUnit.MILLISECONDS.toNanos(20));
        SequenceBarrier barrier = ring.newBarrier();
        assertThrows(TimeoutException.class, () -> barrier.waitFor(0));
    }
}
