package io.weir.perf;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A blocking HTTP/1.1 GET client on one kept-alive connection per server, for timing queries. Not thread-safe.
 *
 * <p>Why not the JDK's {@code HttpClient}: each of its requests crosses the caller, its selector thread and a
 * completion executor; on this 2-core machine that added 1-3 ms to every call, the same to both servers, which
 * says more about the client than about either server (a Go client such as Grafana's costs far less). This one
 * writes the request and reads the answer on the calling thread, as {@code curl} does.
 */
final class LeanHttpClient implements AutoCloseable {
    /** An answer: status, lower-cased headers, body bytes (de-chunked). */
    record Answer(int status, Map<String, String> headers, byte[] body) {
        String header(String name) { return headers.get(name.toLowerCase(Locale.ROOT)); }

        String text() { return new String(body, StandardCharsets.UTF_8); }
    }

    private final Map<String, Connection> connections = new HashMap<>();

    Answer get(String base, String path, Map<String, String> params) throws IOException {
        URI u = URI.create(base);
        String target = path + "?" + params.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        String key = u.getHost() + ":" + u.getPort();
        Connection c = connections.get(key);
        if (c != null) {
            try {
                return c.get(target);
            } catch (IOException closedMeanwhile) {
                c.close(); // the server closed the idle connection: once more on a new one
                connections.remove(key);
            }
        }
        c = new Connection(u.getHost(), u.getPort());
        connections.put(key, c);
        return c.get(target);
    }

    @Override
    public void close() {
        connections.values().forEach(Connection::close);
        connections.clear();
    }

    private static final class Connection {
        final String hostHeader;
        final Socket socket;
        final InputStream in;
        final OutputStream out;

        Connection(String host, int port) throws IOException {
            hostHeader = host + ":" + port;
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), 5_000);
            socket.setSoTimeout(60_000);
            in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
            out = socket.getOutputStream();
        }

        Answer get(String target) throws IOException {
            out.write(("GET " + target + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nConnection: keep-alive\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String statusLine = line();
            if (statusLine == null) {
                throw new IOException("connection closed before an answer");
            }
            String[] parts = statusLine.split(" ", 3);
            int status = Integer.parseInt(parts[1]);
            Map<String, String> headers = new HashMap<>();
            for (String h; !(h = headerLine()).isEmpty(); ) {
                int colon = h.indexOf(':');
                headers.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
            }
            byte[] body;
            if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                for (;;) {
                    String size = headerLine();
                    int semicolon = size.indexOf(';');
                    int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                    if (n == 0) {
                        while (!headerLine().isEmpty()) {
                            // trailers
                        }
                        break;
                    }
                    b.write(in.readNBytes(n));
                    line();
                }
                body = b.toByteArray();
            } else {
                String length = headers.get("content-length");
                body = length == null ? in.readAllBytes() : in.readNBytes(Integer.parseInt(length));
            }
            return new Answer(status, headers, body);
        }

        private String headerLine() throws IOException {
            String s = line();
            if (s == null) {
                throw new IOException("connection closed inside an answer");
            }
            return s;
        }

        /** One header line without its CRLF; null at the end of the stream before any byte. */
        private String line() throws IOException {
            StringBuilder s = new StringBuilder(64);
            for (;;) {
                int c = in.read();
                if (c < 0) {
                    if (s.isEmpty()) {
                        return null;
                    }
                    throw new IOException("connection closed inside a line");
                }
                if (c == '\n') {
                    int n = s.length();
                    return n > 0 && s.charAt(n - 1) == '\r' ? s.substring(0, n - 1) : s.toString();
                }
                s.append((char) c);
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
