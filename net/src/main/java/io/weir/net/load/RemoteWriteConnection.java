package io.weir.net.load;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One keep-alive HTTP/1.1 connection that POSTs remote write bodies; used by one sender thread only. Writes the
 * request head and body in one write, reads the status and headers, discards the response body (by length or
 * chunks). Small on purpose: the load driver must cost far less CPU than the server it measures.
 */
final class RemoteWriteConnection implements AutoCloseable {
    private static final int TIMEOUT_MILLIS = 30_000;

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final byte[] head;
    private byte[] request = new byte[128 * 1024];
    private final byte[] buf = new byte[16 * 1024];
    private int pos;
    private int limit;
    private long retryAfterSeconds;
    private boolean closeAfterResponse;

    RemoteWriteConnection(InsertLoad.Target target) throws IOException {
        String host = target.host();
        int port = target.port();
        Socket plain = new Socket();
        plain.setTcpNoDelay(true);
        plain.setSoTimeout(TIMEOUT_MILLIS);
        plain.connect(new InetSocketAddress(host, port), TIMEOUT_MILLIS);
        if (target.tls() != null) {
            javax.net.ssl.SSLSocket tls = (javax.net.ssl.SSLSocket) target.tls().getSocketFactory().createSocket(plain, host, port, true);
            tls.startHandshake();
            socket = tls;
        } else {
            socket = plain;
        }
        out = socket.getOutputStream();
        in = socket.getInputStream();
        head = ("POST " + target.path() + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n"
                + (target.authorization() == null ? "" : "Authorization: " + target.authorization() + "\r\n")
                + "User-Agent: weir-bench-insert\r\n"
                + "Content-Encoding: snappy\r\n"
                + "Content-Type: application/x-protobuf\r\n"
                + "X-Prometheus-Remote-Write-Version: 0.1.0\r\n"
                + "Content-Length: ").getBytes(StandardCharsets.US_ASCII);
    }

    /** Sends one body and reads the whole response; @return the HTTP status */
    int post(byte[] body) throws IOException {
        byte[] length = Integer.toString(body.length).getBytes(StandardCharsets.US_ASCII);
        int size = head.length + length.length + 4 + body.length;
        if (request.length < size) {
            request = Arrays.copyOf(request, Math.max(size, request.length * 2));
        }
        System.arraycopy(head, 0, request, 0, head.length);
        int p = head.length;
        System.arraycopy(length, 0, request, p, length.length);
        p += length.length;
        request[p++] = '\r';
        request[p++] = '\n';
        request[p++] = '\r';
        request[p++] = '\n';
        System.arraycopy(body, 0, request, p, body.length);
        out.write(request, 0, size);
        out.flush();
        return readResponse();
    }

    /** Seconds from the last response's Retry-After (0 when absent or not a number). */
    long retryAfterSeconds() { return retryAfterSeconds; }

    /** Whether the server asked to close, or the body had no length: the connection cannot be reused. */
    boolean mustClose() { return closeAfterResponse; }

    private int readResponse() throws IOException {
        retryAfterSeconds = 0;
        closeAfterResponse = false;
        String statusLine = readLine();
        if (!statusLine.startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP response: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long contentLength = -1;
        boolean chunked = false;
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                contentLength = Long.parseLong(value);
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                chunked = value.toLowerCase(java.util.Locale.ROOT).contains("chunked");
            } else if (name.equalsIgnoreCase("Retry-After")) {
                try {
                    retryAfterSeconds = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    retryAfterSeconds = 1; // an HTTP date: wait briefly rather than parse it
                }
            } else if (name.equalsIgnoreCase("Connection")) {
                closeAfterResponse = value.equalsIgnoreCase("close");
            }
        }
        if (status == 204 || status == 304 || status / 100 == 1) {
            return status;
        }
        if (chunked) {
            for (long chunk = chunkSize(); chunk > 0; chunk = chunkSize()) {
                skip(chunk);
                readLine();
            }
            while (!readLine().isEmpty()) {
                // trailers
            }
        } else if (contentLength >= 0) {
            skip(contentLength);
        } else {
            closeAfterResponse = true; // body runs to the end of the connection
        }
        return status;
    }

    private long chunkSize() throws IOException {
        String line = readLine();
        int semi = line.indexOf(';');
        return Long.parseLong((semi >= 0 ? line.substring(0, semi) : line).trim(), 16);
    }

    private void skip(long n) throws IOException {
        while (n > 0) {
            if (pos == limit) {
                fill();
            }
            int k = (int) Math.min(n, limit - pos);
            pos += k;
            n -= k;
        }
    }

    private String readLine() throws IOException {
        StringBuilder sb = null;
        while (true) {
            if (pos == limit) {
                fill();
            }
            int start = pos;
            while (pos < limit && buf[pos] != '\n') {
                pos++;
            }
            if (pos < limit) {
                int end = pos++;
                String part = new String(buf, start, end - start, StandardCharsets.ISO_8859_1);
                String line = sb == null ? part : sb.append(part).toString();
                return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            }
            if (sb == null) {
                sb = new StringBuilder();
            }
            sb.append(new String(buf, start, pos - start, StandardCharsets.ISO_8859_1));
            if (sb.length() > 64 * 1024) {
                throw new IOException("response header line longer than 64 KiB");
            }
        }
    }

    private void fill() throws IOException {
        int n = in.read(buf, 0, buf.length);
        if (n < 0) {
            throw new EOFException("connection closed by the server");
        }
        pos = 0;
        limit = n;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a socket we are giving up on
        }
    }
}
