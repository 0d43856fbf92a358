package io.weir.engine.ingest;

import com.lmax.disruptor.EventHandler;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IngestRingTest {

    /** Records what each shard saw; a journaler that can be held to keep slots busy. */
    private static final class Recorder implements EventHandler<IngestBatch> {
        final int shard;
        final int shardCount;
        final List<long[]> seen = Collections.synchronizedList(new ArrayList<>());

        Recorder(int shard, int shardCount) {
            this.shard = shard;
            this.shardCount = shardCount;
        }

        @Override
        public void onEvent(IngestBatch b, long sequence, boolean endOfBatch) {
            for (int i = b.shardStart(shard); i < b.shardEnd(shard); i++) {
                assertEquals(shard, b.seriesIds()[i] & (shardCount - 1), "sample in the wrong shard range");
                seen.add(new long[] {b.seriesIds()[i], b.timestamps()[i], Double.doubleToLongBits(b.values()[i])});
            }
        }
    }

    private static final class GateJournaler implements EventHandler<IngestBatch> {
        final CountDownLatch gate;
        final List<IngestTicket> completedBeforeCommit = new ArrayList<>();
        final AtomicInteger batches = new AtomicInteger();

        GateJournaler(CountDownLatch gate) {
            this.gate = gate;
        }

        @Override
        public void onEvent(IngestBatch b, long sequence, boolean endOfBatch) throws InterruptedException {
            gate.await();
            batches.incrementAndGet(); // the ring answers the ticket once the shard writers are done
        }
    }

    private static final class Ticket implements IngestTicket {
        final CountDownLatch done = new CountDownLatch(1);
        volatile boolean ok;

        @Override
        public void durable() {
            ok = true;
            done.countDown();
        }

        @Override
        public void failed(String reason) {
            done.countDown();
        }
    }

    @Test
    void requestsSpanningSlotsArriveWholeGroupedByShardAndInOrderPerSeries() throws Exception {
        int shards = 4;
        Recorder[] recorders = new Recorder[shards];
        for (int s = 0; s < shards; s++) {
            recorders[s] = new Recorder(s, shards);
        }
        GateJournaler journaler = new GateJournaler(new CountDownLatch(0));
        try (IngestRing ring = new IngestRing(64, 100, journaler, recorders)) {
            ring.start();
            IngestPublisher p = ring.newPublisher();
            int n = 1_050; // 11 slots of 100
            int[] ids = new int[n];
            long[] ts = new long[n];
            double[] vs = new double[n];
            for (int i = 0; i < n; i++) {
                ids[i] = i % 37;
                ts[i] = i;
                vs[i] = i * 0.5;
            }
            Ticket t = new Ticket();
            assertTrue(p.publish(ids, ts, vs, n, t));
            assertTrue(t.done.await(10, TimeUnit.SECONDS));
            assertTrue(t.ok);
            assertEquals(11, journaler.batches.get(), "one ticket for the request, on its last slot");
        }
        int total = 0;
        for (Recorder r : recorders) {
            long lastTs = -1;
            int[] lastPerSeries = new int[37];
            java.util.Arrays.fill(lastPerSeries, -1);
            for (long[] s : r.seen) {
                assertTrue(s[1] > lastPerSeries[(int) s[0]], "per-series order kept");
                lastPerSeries[(int) s[0]] = (int) s[1];
                assertEquals(s[1] * 0.5, Double.longBitsToDouble(s[2]));
                lastTs = s[1];
            }
            total += r.seen.size();
        }
        assertEquals(1_050, total);
    }

    @Test
    void aFullRingRefusesTheWholeRequestAndAcceptsAgainOnceDrained() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        GateJournaler journaler = new GateJournaler(gate);
        @SuppressWarnings("unchecked")
        EventHandler<IngestBatch>[] writers = new EventHandler[] {new Recorder(0, 1)};
        try (IngestRing ring = new IngestRing(8, 10, journaler, writers)) {
            ring.start();
            IngestPublisher p = ring.newPublisher();
            int[] ids = new int[50];
            long[] ts = new long[50];
            double[] vs = new double[50];
            Ticket first = new Ticket();
            assertTrue(p.publish(ids, ts, vs, 50, first)); // 5 slots, held by the gate
            Ticket second = new Ticket();
            assertFalse(p.publish(ids, ts, vs, 50, second), "only 3 slots left: refuse all 5, claim none");
            assertFalse(p.publish(ids, ts, vs, 90, second), "more slots than the ring has");
            assertEquals(3, ring.remainingCapacity(), "a refused request claims nothing");
            assertFalse(first.done.await(100, TimeUnit.MILLISECONDS), "not acknowledged before the journaler ran");
            gate.countDown();
            assertTrue(first.done.await(10, TimeUnit.SECONDS));
            Ticket third = new Ticket();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!p.publish(ids, ts, vs, 50, third) && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertTrue(third.done.await(10, TimeUnit.SECONDS));
        }
    }

    /** Extras go with the ticket, into the request's last slot only, once; a request of extras alone takes one slot. */
    @Test
    void extrasTravelInTheSlotThatTakesTheTicket() throws Exception {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        EventHandler<IngestBatch> journaler = (b, seq, end) -> {
            seen.add(b.count() + ":" + (b.ticket() != null) + ":"
                    + new String(b.extras(), 0, b.extrasLength(), java.nio.charset.StandardCharsets.US_ASCII));
            // the last shard writer answers the ticket (read your writes), not the journaler
        };
        @SuppressWarnings("unchecked")
        EventHandler<IngestBatch>[] writers = new EventHandler[] {new Recorder(0, 1)};
        IngestExtras hello = new IngestExtras() {
            @Override
            public int extrasLength() { return 5; }

            @Override
            public int writeExtras(byte[] dst, int pos) {
                System.arraycopy("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, dst, pos, 5);
                return pos + 5;
            }
        };
        try (IngestRing ring = new IngestRing(8, 10, journaler, writers)) {
            ring.start();
            IngestPublisher p = ring.newPublisher();
            int[] ids = new int[25];
            long[] ts = new long[25];
            double[] vs = new double[25];
            Ticket a = new Ticket();
            Ticket b = new Ticket();
            assertTrue(p.publish(ids, ts, vs, 25, hello, a)); // 3 slots, extras in the last
            assertTrue(p.publish(ids, ts, vs, 0, hello, b)); // extras alone: one slot, no samples
            assertTrue(a.done.await(10, TimeUnit.SECONDS) && b.done.await(10, TimeUnit.SECONDS));
            assertTrue(a.ok && b.ok);
        }
        assertEquals(List.of("10:false:", "10:false:", "5:true:hello", "0:true:hello"), seen);
    }

    @Test
    void theSenderIsAnsweredOnlyAfterEveryShardAppliedItsRequest() throws Exception {
        int shards = 4;
        Recorder[] recorders = new Recorder[shards];
        for (int s = 0; s < shards; s++) {
            recorders[s] = new Recorder(s, shards);
        }
        GateJournaler journaler = new GateJournaler(new CountDownLatch(0));
        try (IngestRing ring = new IngestRing(64, 50, journaler, recorders)) {
            ring.start();
            IngestPublisher p = ring.newPublisher();
            int total = 0;
            for (int request = 0; request < 200; request++) {
                int n = 1 + request % 170;
                int[] ids = new int[n];
                long[] ts = new long[n];
                double[] vs = new double[n];
                for (int i = 0; i < n; i++) {
                    ids[i] = (request + i) % 13;
                    ts[i] = request * 1000L + i;
                }
                total += n;
                int expected = total;
                // checked on the answering thread at the moment of the answer; the verdict reaches the test thread
                java.util.concurrent.atomic.AtomicReference<String> verdict = new java.util.concurrent.atomic.AtomicReference<>();
                CountDownLatch answered = new CountDownLatch(1);
                IngestTicket t = new IngestTicket() {
                    @Override
                    public void durable() {
                        int seen = 0;
                        for (Recorder r : recorders) {
                            seen += r.seen.size();
                        }
                        verdict.set(seen == expected ? "ok" : "answered with " + seen + " of " + expected + " applied");
                        answered.countDown();
                    }

                    @Override
                    public void failed(String reason) {
                        verdict.set("failed: " + reason);
                        answered.countDown();
                    }
                };
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!p.publish(ids, ts, vs, n, t)) {
                    assertTrue(System.nanoTime() < deadline, "ring stayed full");
                    Thread.onSpinWait();
                }
                assertTrue(answered.await(10, TimeUnit.SECONDS));
                assertEquals("ok", verdict.get(), "request " + request);
            }
        }
    }
}
