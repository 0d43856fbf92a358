package io.weir.server.it;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A client that stops reading a forwarded answer slows the backend's sending, not the node's heap: the node relays a
 * backend answer as it arrives and stops reading from the backend while the client is behind. A fake backend (the real
 * ones cannot be made to send a 96 MB answer on cue) answers a range query with {@link #ANSWER} bytes and counts what
 * it managed to write; a client asks for it over a socket with a small receive buffer and reads nothing. The
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
        BlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();
        try (ServerSocket backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread.ofPlatform().daemon().start(() -> serve(backend, written, finished, failures));
            String config = "wal: {fsync: never}\nbackend:\n  url: http://127.0.0.1:" + backend.getLocalPort() + "\n";
            try (WeirTestNode node = WeirTestNode.start(config); Socket client = new Socket()) {
                client.setReceiveBufferSize(16 << 10); // before connect: no autotuning to megabytes
                client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), node.port()), 10_000);
                client.setSoTimeout(60_000);
                OutputStream out = client.getOutputStream();
                out.write(("GET /api/v1/query_range?query=rate(slow_metric%5B5m%5D)&start=1&end=2&step=1 HTTP/1.1\r\n"
                        + "Host: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
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
                InputStream in = client.getInputStream();
                String head = readHead(in);
                assertTrue(head.startsWith("HTTP/1.1 200"), head);
                assertTrue(head.toLowerCase().contains("content-length: " + ANSWER), head);
                byte[] buf = new byte[PIECE];
                long pos = 0;
                while (pos < ANSWER) {
                    int n = in.read(buf, 0, (int) Math.min(buf.length, ANSWER - pos));
                    assertTrue(n > 0, "the answer ended at " + pos + " of " + ANSWER);
                    for (int i = 0; i < n; i++) {
                        if (buf[i] != at(pos + i)) {
                            fail("byte " + (pos + i) + " of the relayed answer differs");
                        }
                    }
                    pos += n;
                }
                assertTrue(finished.get() || written.get() == ANSWER, "the backend wrote " + written.get());
            }
        }
        Throwable t = failures.poll();
        if (t != null) {
            throw new AssertionError("the fake backend failed", t);
        }
    }

    /** The fake backend: a range query gets the large answer, written a piece at a time; anything else {@code []}. */
    private static void serve(ServerSocket server, AtomicLong written, AtomicBoolean finished, BlockingQueue<Throwable> failures) {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException closed) {
                return;
            }
            Thread.ofPlatform().daemon().start(() -> {
                try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                    for (String head = readHead(in); head != null; head = readHead(in)) {
                        if (!head.contains("query_range")) {
                            byte[] body = "{\"status\":\"success\",\"data\":[]}".getBytes(StandardCharsets.UTF_8);
                            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                            out.write(body);
                            out.flush();
                            continue;
                        }
                        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + ANSWER + "\r\n\r\n")
                                .getBytes(StandardCharsets.US_ASCII));
                        byte[] piece = new byte[PIECE];
                        for (long pos = 0; pos < ANSWER; pos += PIECE) {
                            for (int i = 0; i < PIECE; i++) {
                                piece[i] = at(pos + i);
                            }
                            out.write(piece);
                            written.addAndGet(PIECE);
                        }
                        out.flush();
                        finished.set(true);
                    }
                } catch (IOException e) {
                    // the node closed the connection (the test is over)
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            });
        }
    }

    /** The head of an HTTP message (without its blank line), or null at the end of the stream. */
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
}
