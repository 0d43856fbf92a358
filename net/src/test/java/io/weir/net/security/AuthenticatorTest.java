package io.weir.net.security;

import at.favre.lib.crypto.bcrypt.BCrypt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AuthenticatorTest {
    private static final String HASH = BCrypt.withDefaults().hashToString(10, "s3cret".toCharArray());
    private final Authenticator auth = new Authenticator(Map.of("alice", HASH, "bob", HASH),
            Map.of("alice", Set.of(Role.WRITE)), List.of(new Authenticator.BearerToken("dash",
                    Authenticator.sha256("token-0123456789abcdef"), Set.of(Role.READ))),
            Executors.newFixedThreadPool(1));

    @AfterEach
    void close() { auth.close(); }

    @Test
    void basicAuthIsVerifiedOnceThenCached() throws Exception {
        String header = basic("alice", "s3cret");
        assertNull(auth.quick(header), "first sight needs bcrypt");
        Authenticator.Verdict v = auth.verifyAsync(header).get();
        assertEquals("alice", v.principal());
        assertEquals(Set.of(Role.WRITE), v.roles());
        assertEquals(v, auth.quick(header), "then the cache answers");

        // the cached check is a SHA-256 and a map lookup: measure it against one bcrypt (numbers are "loaded")
        long t0 = System.nanoTime();
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            assertNotNull(auth.quick(header));
        }
        long cachedNanos = (System.nanoTime() - t0) / n;
        long t1 = System.nanoTime();
        BCrypt.verifyer().verify("s3cret".toCharArray(), HASH);
        long bcryptNanos = System.nanoTime() - t1;
        System.out.printf("cached check %d ns, one bcrypt (cost 10) %d us%n", cachedNanos, bcryptNanos / 1000);
        assertTrue(cachedNanos * 100 < bcryptNanos, cachedNanos + " ns cached vs " + bcryptNanos + " ns bcrypt");
    }

    @Test
    void wrongPasswordsUnknownUsersAndMalformedHeadersAreRefused() throws Exception {
        assertFalse(auth.verifyAsync(basic("alice", "wrong")).get().authenticated());
        assertFalse(auth.quick(basic("alice", "wrong")).authenticated(), "a failure is cached too");
        assertFalse(auth.verifyAsync(basic("mallory", "s3cret")).get().authenticated());
        assertFalse(auth.quick(null).authenticated());
        assertFalse(auth.quick("Basic !!!").authenticated());
        assertFalse(auth.quick("Basic " + Base64.getEncoder().encodeToString("no-colon".getBytes(StandardCharsets.UTF_8))).authenticated());
        assertFalse(auth.quick("Digest abc").authenticated());
        assertFalse(auth.quick("Bearer token-0123456789abcdeX").authenticated());
    }

    @Test
    void rolesComeFromTheAuthorizationSectionOrAreAll() throws Exception {
        assertEquals(Set.of(), auth.verifyAsync(basic("bob", "s3cret")).get().roles(), "listed roles: bob has none");
        assertEquals(Set.of(Role.READ), auth.quick("Bearer token-0123456789abcdef").roles());
        try (Authenticator open = new Authenticator(Map.of("bob", HASH), null, List.of(), Executors.newFixedThreadPool(1))) {
            assertEquals(EnumSet.allOf(Role.class), open.verifyAsync(basic("bob", "s3cret")).get().roles());
        }
    }

    @Test
    void pathsMapToRoles() {
        assertEquals(Role.WRITE, Role.requiredFor("/api/v1/write"));
        assertEquals(Role.WRITE, Role.requiredFor("/opentelemetry/v1/metrics"));
        assertEquals(Role.WRITE, Role.requiredFor("/v1/metrics"));
        assertEquals(Role.ADMIN, Role.requiredFor("/api/v1/admin/tsdb/snapshot"));
        assertEquals(Role.ADMIN, Role.requiredFor("/api/v1/admin/backfill")); // history the forwarder skips: not for senders
        assertEquals(Role.READ, Role.requiredFor("/api/v1/query"));
        assertEquals(Role.READ, Role.requiredFor("/metrics"));
        assertEquals(Role.READ, Role.requiredFor("/api/v1/writex"));
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
