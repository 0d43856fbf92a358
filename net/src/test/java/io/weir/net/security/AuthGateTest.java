package io.weir.net.security;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.weir.net.http.HttpResponses;
import io.weir.net.http.HttpServer;
import io.weir.net.http.Router;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gate on a real HTTP server, over a raw socket: pipelined requests whose credentials both need bcrypt are
 * answered in order with their own bodies; a refused request is answered 401 and the connection closed, its body
 * never reaching the endpoint.
 */
class AuthGateTest {
    private static final String HASH = BCrypt.withDefaults().hashToString(4, "pw".toCharArray());

    private static HttpServer server(Authenticator auth, LongAdder refusals, LongAdder reached) throws InterruptedException {
        Router router = new Router().route("/api/v1/write", Set.of(HttpMethod.POST), (ctx, request, keepAlive) -> {
            reached.increment();
            String user = new String(Base64.getDecoder().decode(request.headers().get("Authorization").substring(6)),
                    StandardCharsets.UTF_8).split(":")[0];
            HttpResponses.send(ctx, HttpResponses.text(HttpResponseStatus.OK,
                    user + " sent " + request.content().toString(StandardCharsets.UTF_8)), keepAlive);
        });
        return new HttpServer("127.0.0.1", 0, 1, 1 << 20, router, new WebSecurity(null, auth, refusals));
    }

    @Test
    void pipelinedRequestsWaitingForBcryptAreAnsweredInOrder() throws Exception {
        LongAdder reached = new LongAdder();
        try (Authenticator auth = new Authenticator(Map.of("a", HASH, "b", HASH), null, List.of(), Executors.newSingleThreadExecutor());
             HttpServer server = server(auth, new LongAdder(), reached);
             Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write((request("a", "pw", "first") + request("b", "pw", "second")).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answers = readUntil(s.getInputStream(), "b sent second");
            int first = answers.indexOf("a sent first");
            int second = answers.indexOf("b sent second");
            assertTrue(first >= 0 && second > first, answers);
            assertEquals(2, reached.sum());
        }
    }

    @Test
    void aRefusedRequestIsAnswered401AndItsConnectionClosed() throws Exception {
        LongAdder refusals = new LongAdder();
        LongAdder reached = new LongAdder();
        try (Authenticator auth = new Authenticator(Map.of("a", HASH), null, List.of(), Executors.newSingleThreadExecutor());
             HttpServer server = server(auth, refusals, reached);
             Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write((request("a", "wrong", "x") + request("a", "pw", "y")).getBytes(StandardCharsets.US_ASCII));
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII); // to EOF: closed
            assertTrue(all.startsWith("HTTP/1.1 401 "), all);
            assertTrue(all.toLowerCase(java.util.Locale.ROOT).contains("www-authenticate: basic realm=\"weir\""), all);
            assertEquals(1, all.split("HTTP/1.1 ").length - 1, "only one answer: " + all);
            assertEquals(0, reached.sum());
            assertEquals(1, refusals.sum());
        }
    }

    private static String request(String user, String password, String body) {
        String auth = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return "POST /api/v1/write HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + auth + "\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body;
    }

    private static String readUntil(InputStream in, String marker) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[4096];
        while (!buf.toString(StandardCharsets.US_ASCII).contains(marker)) {
            int n = in.read(chunk);
            if (n < 0) {
                break;
            }
            buf.write(chunk, 0, n);
        }
        return buf.toString(StandardCharsets.US_ASCII);
    }
}
