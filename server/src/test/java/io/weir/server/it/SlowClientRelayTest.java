package io.weir.server.it;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that stops reading a forwarded answer slows the backend's sending, not the node's heap: the node relays a
 * backend answer as it arrives and stops reading from the backend while the client is behind. A fake backend (the real
 * ones cannot be made to send a 96 MB answer on cue) answers a range query with {@link #ANSWER} bytes and counts what
 * it managed to write; the JDK's HTTP client asks for it with a body subscriber that requests nothing. The
 * backend's writing stalls far short of the answer (what is in flight is the sockets' buffers and the node's one read
 * burst), the node keeps serving other requests meanwhile, and once the client reads, it gets every byte in order.
 */
class SlowClientRelayTest {
    /** Far more than every buffer between the backend and the client (socket buffers are a few MB each here). */
    private static final int ANSWER = 96 << 20;
    private static final int PIECE = 64 << 10;

    /** Byte {@code i} of the answer: position-dependent, so a lost, repeated or reordered piece shows. */
    private static byte at(long i) {
        return (byte) ('a' + (i * 31 + i / 1000) % 26);
    }

    @Test
    void aClientThatDoesNotReadHoldsTheBackendBackNotTheHeap() throws Exception {
        AtomicLong written = new AtomicLong();
        AtomicBoolean finished = new AtomicBoolean();
        HttpServer backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        backend.createContext("/", exchange -> {
            try (exchange) {
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                if (!exchange.getRequestURI().getPath().endsWith("query_range")) {
                    byte[] body = "{\"status\":\"success\",\"data\":[]}".getBytes(StandardCharsets.UTF_8);
                    exchange.sendResponseHeaders(200, body.length);
                    exchange.getResponseBody().write(body);
                    return;
                }
                exchange.sendResponseHeaders(200, ANSWER);
                OutputStream out = exchange.getResponseBody();
                byte[] piece = new byte[PIECE];
                for (long pos = 0; pos < ANSWER; pos += PIECE) {
                    for (int i = 0; i < PIECE; i++) {
                        piece[i] = at(pos + i);
                    }
                    out.write(piece); // blocks once every buffer between here and the client is full
                    written.addAndGet(PIECE);
                }
                finished.set(true);
            }
        });
        backend.setExecutor(Executors.newCachedThreadPool(Thread.ofPlatform().daemon().factory()));
        backend.start();
        String config = "wal: {fsync: never}\nbackend:\n  url: http://127.0.0.1:" + backend.getAddress().getPort() + "\n";
        // shut down, not closed, at the end: close() waits for the held answer, which a failed check never releases
        HttpClient client = HttpClient.newHttpClient();
        try (WeirTestNode node = WeirTestNode.start(config)) {
            // a client whose body subscriber asks for nothing until released: the JDK client then stops reading
            HeldBody body = new HeldBody();
            CompletableFuture<HttpResponse<Long>> answer = client.sendAsync(HttpRequest.newBuilder(URI.create(node.url()
                    + "/api/v1/query_range?query=rate(slow_metric%5B5m%5D)&start=1&end=2&step=1")).build(), info -> body);
            // wait until the backend's writing stops moving: 10 looks 100 ms apart without progress
            long deadline = System.nanoTime() + 60_000_000_000L;
            long last = -1;
            int still = 0;
            while (still < 10) {
                assertTrue(System.nanoTime() < deadline, "the backend's writing never settled: " + written.get());
                assertFalse(finished.get(), "the backend wrote the whole answer to a client that read nothing: "
                        + "the node took it all in");
                Thread.sleep(100);
                long now = written.get();
                still = now == last && now > 0 ? still + 1 : 0;
                last = now;
            }
            System.out.printf("in flight while the client reads nothing: %,d of %,d bytes%n", last, ANSWER);
            assertTrue(last < ANSWER / 2, "in flight while the client reads nothing: " + last + " of " + ANSWER);
            // the node is not stuck behind the slow client
            assertEquals(200, Http.get(node.url() + "/-/ready").status());
            // now the client reads: the whole answer arrives, in order
            body.release();
            HttpResponse<Long> r = answer.get(60, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode());
            assertEquals("backend", r.headers().firstValue("X-Weir-Source").orElse(null));
            assertEquals(ANSWER, r.body(), "bytes received in order");
            assertTrue(finished.get(), "the backend wrote " + written.get());
        } finally {
            client.shutdownNow();
            backend.stop(0);
        }
    }

    /** Checks each byte against {@link #at} as it comes; asks for nothing before {@link #release()}. */
    private static final class HeldBody implements HttpResponse.BodySubscriber<Long> {
        private final CompletableFuture<Long> result = new CompletableFuture<>();
        private final CompletableFuture<Flow.Subscription> subscription = new CompletableFuture<>();
        private long position;

        void release() throws Exception {
            subscription.get(60, TimeUnit.SECONDS).request(Long.MAX_VALUE);
        }

        @Override
        public CompletionStage<Long> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription.complete(s);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer b : items) {
                while (b.hasRemaining()) {
                    if (b.get() != at(position)) {
                        result.completeExceptionally(new AssertionError("byte " + position + " of the relayed answer differs"));
                        subscription.join().cancel();
                        return;
                    }
                    position++;
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            result.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            result.complete(position);
        }
    }
}
