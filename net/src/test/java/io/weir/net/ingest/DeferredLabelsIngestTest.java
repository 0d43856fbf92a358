package io.weir.net.ingest;

import com.lmax.disruptor.EventHandler;
import io.weir.engine.ingest.IngestBatch;
import io.weir.engine.ingest.IngestRing;
import io.weir.engine.ingest.IngestStats;
import io.weir.engine.ingest.IngestTicket;
import io.weir.engine.series.CanonicalLabels;
import io.weir.engine.series.SeriesTable;
import io.weir.net.remotewrite.DecodedWriteRequest;
import io.weir.net.remotewrite.RemoteWriteDecoder;
import io.weir.net.remotewrite.RemoteWriteEncoder;
import io.weir.net.remotewrite.RemoteWriteStatus;
import io.netty.handler.codec.http.HttpMethod;
import io.weir.net.http.HttpServer;
import io.weir.net.http.Router;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Label sets left undecoded on the ingest path: a request whose sets this writer resolved before is published with
 * the same series ids as when it was decoded whole; one whose sets the writer can no longer resolve from its cache
 * (the series expired) is refused with NEEDS_LABELS before anything happens, and decoded whole it is published
 * under the ids the table gives back. Every journaled batch is identified by its values, so loss and duplication show.
 */
class DeferredLabelsIngestTest {
    private record Journaled(int[] ids, double[] values) {}

    /**
     * Records each batch's ids and values (copies: the ring reuses its slots). It does not answer the ticket: the ring
     * does, after its shard stage (answering here too sent a second 204 on the connection, which the HTTP client's
     * pool saw as a broken idle connection -- a flaky failure in CI).
     */
    private static final class RecordingJournaler implements EventHandler<IngestBatch> {
        final LinkedBlockingQueue<Journaled> batches = new LinkedBlockingQueue<>();

        @Override
        public void onEvent(IngestBatch b, long sequence, boolean endOfBatch) {
            batches.add(new Journaled(Arrays.copyOf(b.seriesIds(), b.count()), Arrays.copyOf(b.values(), b.count())));
        }
    }

    private static final class Ticket implements IngestTicket {
        final CompletableFuture<String> outcome = new CompletableFuture<>();

        @Override
        public void durable() {
            outcome.complete("durable");
        }

        @Override
        public void failed(String reason) {
            outcome.complete("failed: " + reason);
        }
    }

    private static byte[] body(double first) {
        RemoteWriteEncoder e = new RemoteWriteEncoder();
        byte[][] sets = {CanonicalLabels.of("__name__", "up", "job", "node"), CanonicalLabels.of("__name__", "up", "job", "api")};
        for (int i = 0; i < sets.length; i++) {
            e.beginSeries(sets[i], 0, sets[i].length);
            e.sample(1_000, first + i);
            e.endSeries();
        }
        int length = e.finish(); // first: finish may replace the array
        return Arrays.copyOf(e.compressed(), length);
    }

    /** A series table, a started ring whose journaler records, and the ingest path over them (default limits). */
    private static final class Node implements AutoCloseable {
        final RecordingJournaler journaler = new RecordingJournaler();
        final IngestStats stats = new IngestStats();
        final SeriesTable series;
        final IngestRing ring;
        final IngestPath ingest;

        @SuppressWarnings("unchecked")
        Node(Path dir) {
            series = SeriesTable.open(dir.resolve("series"), 1024);
            ring = new IngestRing(64, 256, journaler, new EventHandler[] {(EventHandler<IngestBatch>) (b, s, e) -> { }});
            ring.start();
            ingest = new IngestPath(series, ring, stats, () -> false, new IngestLimits(IngestLimits.Config.defaults(), series::size));
        }

        /** Every series idle: retired (not freed), so the next resolve brings each back under its id. */
        void expireAll() {
            series.expireAfter(1_000, 3_600_000);
            long now = System.currentTimeMillis();
            series.expireIdle(now, 1, 0);
            assertEquals(2, series.expireIdle(now + 10_000, 1, 0), "both retired");
        }

        @Override
        public void close() {
            ring.close();
            series.close();
        }
    }

    @Test
    void knownSetsKeepTheirIdsAndForgottenOnesAreDecodedWholeBeforeAnythingIsDone(@TempDir Path dir) throws Exception {
        try (Node node = new Node(dir)) {
            RecordingJournaler journaler = node.journaler;
            IngestStats stats = node.stats;
            IngestPath ingest = node.ingest;
            assertFalse(ingest.relabels());
            IngestPath.Writer writer = ingest.newWriter();
            RemoteWriteDecoder decoder = new RemoteWriteDecoder(1 << 20);
            decoder.deferKnownLabels(writer.knownLabelSets());
            DecodedWriteRequest d = new DecodedWriteRequest();

            byte[] first = body(10);
            assertEquals(RemoteWriteStatus.OK, decoder.decode(first, 0, first.length, d), decoder::errorMessage);
            assertFalse(d.hasDeferredLabels(), "nothing resolved yet");
            Journaled whole = publish(writer, d, journaler);
            assertEquals(List.of(10.0, 11.0), values(whole));
            assertTrue(whole.ids()[0] != whole.ids()[1]);

            byte[] second = body(20);
            assertEquals(RemoteWriteStatus.OK, decoder.decode(second, 0, second.length, d), decoder::errorMessage);
            assertTrue(d.labelsDeferred(0) && d.labelsDeferred(1), "both sets were resolved by this writer");
            Journaled deferred = publish(writer, d, journaler);
            assertEquals(List.of(20.0, 21.0), values(deferred));
            assertEquals(Arrays.toString(whole.ids()), Arrays.toString(deferred.ids()), "the same series");

            // both series expire: the writer's cache still holds their keys, but they no longer resolve from it
            node.expireAll();
            byte[] third = body(30);
            assertEquals(RemoteWriteStatus.OK, decoder.decode(third, 0, third.length, d), decoder::errorMessage);
            assertTrue(d.hasDeferredLabels());
            long requests = stats.requests();
            Ticket refused = new Ticket();
            assertEquals(IngestPath.NEEDS_LABELS, writer.publish(d, refused));
            assertEquals(requests, stats.requests(), "nothing counted");
            assertFalse(refused.outcome.isDone());

            assertEquals(RemoteWriteStatus.OK, decoder.decodeAllLabels(third, 0, third.length, d));
            assertFalse(d.hasDeferredLabels());
            Journaled again = publish(writer, d, journaler);
            // the first batch after the refusal is this one: the refused publish journaled nothing
            assertEquals(List.of(30.0, 31.0), values(again));
            assertEquals(Arrays.toString(whole.ids()), Arrays.toString(again.ids()), "retiring series come back under their ids");

            // and deferral resumes once the sets resolve again
            byte[] fourth = body(40);
            assertEquals(RemoteWriteStatus.OK, decoder.decode(fourth, 0, fourth.length, d), decoder::errorMessage);
            assertTrue(d.labelsDeferred(0) && d.labelsDeferred(1));
            assertEquals(List.of(40.0, 41.0), values(publish(writer, d, journaler)));
            assertEquals(null, journaler.batches.poll(), "one batch a request");
        }
    }

    /**
     * The same through the endpoint a sender talks to (one event loop, so one resolver): the request after the series
     * expired is answered 204 all the same, decoded whole behind the scenes, and journaled once under the same ids.
     */
    @Test
    void theEndpointDecodesARequestWholeWhenItsKnownSetsExpired(@TempDir Path dir) throws Exception {
        try (Node node = new Node(dir)) {
            RecordingJournaler journaler = node.journaler;
            IngestPath ingest = node.ingest;
            Router router = new Router().route("/api/v1/write", Set.of(HttpMethod.POST), new RemoteWriteEndpoint(ingest, 1 << 20));
            try (HttpServer server = new HttpServer("127.0.0.1", 0, 1, 1 << 20, router)) {
                HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
                URI uri = URI.create("http://127.0.0.1:" + server.port() + "/api/v1/write");
                Journaled first = send(client, uri, body(10), journaler);
                assertEquals(List.of(10.0, 11.0), values(first));
                Journaled second = send(client, uri, body(20), journaler); // deferred: both sets resolved before
                assertEquals(Arrays.toString(first.ids()), Arrays.toString(second.ids()));
                node.expireAll();
                Journaled third = send(client, uri, body(30), journaler); // deferred, refused by the cache, decoded whole
                assertEquals(List.of(30.0, 31.0), values(third));
                assertEquals(Arrays.toString(first.ids()), Arrays.toString(third.ids()));
                assertEquals(null, journaler.batches.poll(), "one batch a request");
            }
        }
    }

    private static Journaled send(HttpClient client, URI uri, byte[] body, RecordingJournaler journaler) throws Exception {
        HttpRequest post = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Content-Encoding", "snappy").header("Content-Type", "application/x-protobuf")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<String> r = client.send(post, HttpResponse.BodyHandlers.ofString());
        assertEquals(204, r.statusCode(), r.body());
        Journaled j = journaler.batches.poll(30, TimeUnit.SECONDS);
        assertNotNull(j);
        return j;
    }

    private static Journaled publish(IngestPath.Writer writer, DecodedWriteRequest d, RecordingJournaler journaler) throws Exception {
        Ticket ticket = new Ticket();
        assertEquals(IngestPath.PUBLISHED, writer.publish(d, ticket));
        assertEquals("durable", ticket.outcome.get(30, TimeUnit.SECONDS));
        Journaled j = journaler.batches.poll(30, TimeUnit.SECONDS);
        assertNotNull(j);
        return j;
    }

    private static List<Double> values(Journaled j) {
        return Arrays.stream(j.values()).boxed().toList();
    }
}
