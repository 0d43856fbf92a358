package io.weir.net.backend;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The query connections against a scripted HTTP/1.1 peer: the faults a real backend will not produce on demand
 * (closing a kept-alive connection, never answering). Normal forwarding to real VictoriaMetrics and Prometheus is
 * covered by the node's integration tests ({@code QueryContractTest}, {@code BackendAccessTest} over TLS, ...).
 */
class BackendQueryChannelsTest {
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    /** What the peer does with each request it reads on a connection. */
    enum Reply {
        ANSWER, ANSWER_AND_CLOSE, ANSWER_WITH_CONNECTION_CLOSE, NEVER,
        /** A {@link #LARGE}-byte answer: its first half, then (once the test opens the gate) the rest. */
        HALF_THEN_GATE,
        /** A {@link #LARGE}-byte answer's head and first half, then the connection closes. */
        HALF_AND_CLOSE
    }

    static final int LARGE = 1 << 20;

    /** The large answer's bytes: position-dependent, so a lost, repeated or reordered piece shows. */
    static byte[] large() {
        byte[] b = new byte[LARGE];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) ('a' + (i * 31 + i / 1000) % 26);
        }
        return b;
    }

    /** A one-thread HTTP/1.1 peer: reads requests, answers {@code {"n":K}} (K counting requests) as scripted. */
    static final class ScriptedPeer implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger requests = new AtomicInteger();
        final BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        final BlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();
        final java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
        final Thread thread;

        ScriptedPeer(Reply... script) throws IOException {
            thread = Thread.ofPlatform().daemon().start(() -> serve(script));
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve(Reply[] script) {
            List<Socket> open = new ArrayList<>();
            try {
                while (!server.isClosed()) {
                    Socket s = server.accept();
                    open.add(s);
                    connections.incrementAndGet();
                    Thread.ofPlatform().daemon().start(() -> connection(s, script));
                }
            } catch (IOException closed) {
                // the test is over
            } finally {
                for (Socket s : open) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
            }
        }

        private void connection(Socket s, Reply[] script) {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                for (;;) {
                    String head = readHead(in);
                    if (head == null) {
                        return;
                    }
                    int length = 0;
                    for (String line : head.split("\r\n")) {
                        if (line.toLowerCase().startsWith("content-length:")) {
                            length = Integer.parseInt(line.substring(15).trim());
                        }
                    }
                    String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
                    seen.add(head + "\r\n\r\n" + body);
                    int k = requests.incrementAndGet();
                    Reply r = script[Math.min(k, script.length) - 1];
                    if (r == Reply.NEVER) {
                        in.readAllBytes(); // until the client gives up and closes
                        return;
                    }
                    if (r == Reply.HALF_THEN_GATE || r == Reply.HALF_AND_CLOSE) {
                        byte[] big = large();
                        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + LARGE + "\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        out.write(big, 0, LARGE / 2);
                        out.flush();
                        if (r == Reply.HALF_AND_CLOSE) {
                            return;
                        }
                        if (!gate.await(30, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("the test never opened the gate");
                        }
                        out.write(big, LARGE / 2, LARGE - LARGE / 2);
                        out.flush();
                        continue;
                    }
                    byte[] answer = ("{\"n\":" + k + "}").getBytes(StandardCharsets.UTF_8);
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + answer.length
                            + (r == Reply.ANSWER_WITH_CONNECTION_CLOSE ? "\r\nConnection: close" : "") + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.write(answer);
                    out.flush();
                    if (r != Reply.ANSWER) {
                        return;
                    }
                }
            } catch (IOException e) {
                // the client closed the connection: nothing to check
            } catch (InterruptedException | RuntimeException e) {
                failures.add(e);
            }
        }

        private static String readHead(InputStream in) throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int state = 0;
            for (;;) {
                int c = in.read();
                if (c < 0) {
                    return null;
                }
                b.write(c);
                state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
                if (state == 4) {
                    String s = b.toString(StandardCharsets.US_ASCII);
                    return s.substring(0, s.length() - 4);
                }
            }
        }

        @Override
        public void close() throws Exception {
            server.close();
            Throwable t = failures.poll();
            if (t != null) {
                throw new AssertionError("the peer failed", t);
            }
        }
    }

    private BackendQueryChannels channels(int port, long timeoutMillis) {
        BackendQueryChannels c = new BackendQueryChannels(URI.create("http://127.0.0.1:" + port + "/prefix/"), timeoutMillis,
                Map.of("X-Scope-OrgID", "tenant-7"), null);
        closing.add(c);
        return c;
    }

    private ScriptedPeer peer(Reply... script) throws IOException {
        ScriptedPeer p = new ScriptedPeer(script);
        closing.add(p);
        return p;
    }

    private static BackendClient.Answer get(CompletableFuture<BackendClient.Answer> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    @Test
    void forwardsMethodPathBodyAndHeadersAndKeepsTheConnection() throws Exception {
        ScriptedPeer peer = peer(Reply.ANSWER);
        BackendQueryChannels c = channels(peer.port(), 10_000);
        BackendClient.Answer a = get(c.forward("POST", "/api/v1/query", "query=up&time=5".getBytes(StandardCharsets.UTF_8),
                "application/x-www-form-urlencoded"));
        assertEquals(200, a.status());
        assertEquals("application/json", a.contentType());
        assertEquals("{\"n\":1}", new String(a.body(), StandardCharsets.UTF_8));
        String first = peer.seen.take();
        assertTrue(first.startsWith("POST /prefix/api/v1/query HTTP/1.1\r\n"), first);
        assertTrue(first.contains("\r\nhost: 127.0.0.1:" + peer.port() + "\r\n") || first.contains("\r\nHost: 127.0.0.1:" + peer.port() + "\r\n"), first);
        assertTrue(first.toLowerCase().contains("\r\nx-scope-orgid: tenant-7\r\n"), first);
        assertTrue(first.toLowerCase().contains("\r\ncontent-type: application/x-www-form-urlencoded\r\n"), first);
        assertTrue(first.endsWith("\r\n\r\nquery=up&time=5"), first);

        for (int i = 2; i <= 5; i++) {
            a = get(c.forward("GET", "/api/v1/labels?match[]=up", null, null));
            assertEquals("{\"n\":" + i + "}", new String(a.body(), StandardCharsets.UTF_8));
            String req = peer.seen.take();
            assertTrue(req.startsWith("GET /prefix/api/v1/labels?match[]=up HTTP/1.1\r\n"), req);
        }
        assertEquals(1, peer.connections.get(), "one kept-alive connection served every request");
    }

    @Test
    void aRequestOnAConnectionTheBackendClosedIsAnsweredOnANewOne() throws Exception {
        // the peer answers and closes each connection (as a backend whose idle timeout passed would)
        ScriptedPeer peer = peer(Reply.ANSWER_AND_CLOSE);
        BackendQueryChannels c = channels(peer.port(), 10_000);
        // many times: the close races the next request taking the pooled connection (a hang once, before the fix)
        for (int i = 1; i <= 1000; i++) {
            BackendClient.Answer a = get(c.forward("GET", "/api/v1/query?query=up", null, null));
            assertEquals("{\"n\":" + i + "}", new String(a.body(), StandardCharsets.UTF_8), "request " + i);
        }
        assertEquals(1000, peer.requests.get(), "each request reached the backend exactly once");
        assertEquals(1000, peer.connections.get());
    }

    @Test
    void anAnswerWithConnectionCloseIsNotReused() throws Exception {
        ScriptedPeer peer = peer(Reply.ANSWER_WITH_CONNECTION_CLOSE);
        BackendQueryChannels c = channels(peer.port(), 10_000);
        for (int i = 1; i <= 3; i++) {
            assertEquals(200, get(c.forward("GET", "/api/v1/query?query=up", null, null)).status());
        }
        assertEquals(3, peer.connections.get());
        assertEquals(3, peer.requests.get());
    }

    @Test
    void aBackendThatDoesNotAnswerTimesOutAndTheNextRequestIsServed() throws Exception {
        ScriptedPeer peer = peer(Reply.NEVER, Reply.ANSWER);
        BackendQueryChannels c = channels(peer.port(), 300);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> c.forward("GET", "/api/v1/query?query=up", null, null).get(30, TimeUnit.SECONDS));
        assertInstanceOf(TimeoutException.class, e.getCause());
        // the timed-out connection is closed, not pooled: the next request gets its own and an answer
        assertEquals("{\"n\":2}", new String(get(c.forward("GET", "/api/v1/query?query=up", null, null)).body(),
                StandardCharsets.UTF_8));
        assertEquals(2, peer.connections.get());
    }

    @Test
    void anUnreachableBackendFailsTheRequest() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        BackendQueryChannels c = channels(port, 5_000);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> c.forward("GET", "/api/v1/query?query=up", null, null).get(30, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof ConnectException || e.getCause().getCause() instanceof ConnectException,
                String.valueOf(e.getCause()));
    }

    /** What a relay sink saw, in order: "head 200 <length>", "bytes", "end" or "failed <afterHead>". */
    static final class RecordingSink implements AnswerSink {
        final BlockingQueue<String> events = new LinkedBlockingQueue<>();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        final java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public void head(int status, String contentType, String contentEncoding, long contentLength) {
            events.add("head " + status + " " + contentLength);
        }

        @Override
        public io.netty.util.concurrent.Future<?> content(io.netty.buffer.ByteBuf piece) {
            synchronized (body) {
                received.addAndGet(piece.readableBytes());
                try {
                    piece.readBytes(body, piece.readableBytes());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                } finally {
                    piece.release();
                }
            }
            return null;
        }

        @Override
        public void end() {
            events.add("end");
        }

        @Override
        public void failed(Throwable cause, boolean afterHead) {
            events.add("failed " + afterHead);
        }

        String next() throws InterruptedException {
            String e = events.poll(30, TimeUnit.SECONDS);
            if (e == null) {
                throw new AssertionError("no event within 30 s");
            }
            return e;
        }
    }

    @Test
    void aRelayedAnswerIsHandedOnAsItArrivesNotWhenItEnds() throws Exception {
        ScriptedPeer peer = peer(Reply.HALF_THEN_GATE, Reply.ANSWER);
        BackendQueryChannels c = channels(peer.port(), 10_000);
        RecordingSink sink = new RecordingSink();
        c.relay("GET", "/api/v1/query_range?query=up", null, null, false, sink);
        assertEquals("head 200 " + LARGE, sink.next());
        // the first half reaches the sink while the backend still holds the second back
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (sink.received.get() < LARGE / 2) {
            assertTrue(System.nanoTime() < deadline, "the first half did not arrive before the answer's end: " + sink.received.get());
            Thread.onSpinWait();
        }
        assertEquals(LARGE / 2, sink.received.get());
        assertTrue(sink.events.isEmpty(), "nothing ended: " + sink.events);
        peer.gate.countDown();
        assertEquals("end", sink.next());
        synchronized (sink.body) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(large(), sink.body.toByteArray());
        }
        // the connection went back to the pool and serves the next request
        assertEquals("{\"n\":2}", new String(get(c.forward("GET", "/api/v1/query?query=up", null, null)).body(), StandardCharsets.UTF_8));
        assertEquals(1, peer.connections.get());
    }

    @Test
    void aConnectionBrokenInTheMiddleOfAnAnswerFailsItAfterItsHeadAndIsNotSentAgain() throws Exception {
        ScriptedPeer peer = peer(Reply.ANSWER, Reply.HALF_AND_CLOSE, Reply.ANSWER);
        BackendQueryChannels c = channels(peer.port(), 10_000);
        assertEquals(200, get(c.forward("GET", "/api/v1/query?query=up", null, null)).status()); // a pooled connection
        RecordingSink sink = new RecordingSink();
        c.relay("GET", "/api/v1/query_range?query=up", null, null, false, sink);
        assertEquals("head 200 " + LARGE, sink.next());
        assertEquals("failed true", sink.next());
        assertEquals(2, peer.requests.get(), "a request whose answer had begun is not sent again");
        // and a collected answer broken the same way fails rather than completing short
        ScriptedPeer broken = peer(Reply.HALF_AND_CLOSE);
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> channels(broken.port(), 10_000).forward("GET", "/api/v1/query?query=up", null, null).get(30, TimeUnit.SECONDS));
        assertInstanceOf(IOException.class, e.getCause());
    }
}
