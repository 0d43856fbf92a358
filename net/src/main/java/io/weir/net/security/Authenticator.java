package io.weir.net.security;

import at.favre.lib.crypto.bcrypt.BCrypt;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * Checks the {@code Authorization} header of a request: HTTP basic against bcrypt hashes (Prometheus'
 * {@code basic_auth_users}) or a bearer token, and gives the roles of the credential. Thread-safe.
 * <p>
 * bcrypt costs tens of milliseconds by design, so it runs on a small executor, never on an event loop, and a
 * verdict is cached under the SHA-256 of user, password and the user's hash (never the plain password): a sender
 * that posts thousands of times a second pays bcrypt once. Failures are cached too, so a misconfigured sender
 * retrying its wrong password does not keep a core busy either. Comparisons of secrets are constant-time, and an
 * unknown user costs a bcrypt against a dummy hash like a known one.
 */
public final class Authenticator implements AutoCloseable {
    /** Verdict for a request: the credential's roles, or a refusal. */
    public record Verdict(String principal, Set<Role> roles) {
        static final Verdict REFUSED = new Verdict(null, Set.of());

        public boolean authenticated() { return principal != null; }
    }

    /** A bearer token known by its SHA-256 digest, with its roles. */
    public record BearerToken(String name, byte[] sha256, Set<Role> roles) {}

    private static final int CACHE_LIMIT = 4096;
    private static final byte[] DUMMY_HASH = BCrypt.withDefaults().hash(10, new byte[16], "weir-dummy".getBytes(StandardCharsets.UTF_8));

    private final Map<String, byte[]> bcryptHashes;
    private final Map<String, Set<Role>> rolesByUser;
    private final List<BearerToken> tokens;
    private final ExecutorService bcryptPool;
    /** Verified credentials, and refused ones apart: a flood of wrong passwords must not evict the right ones. */
    private final ConcurrentHashMap<String, Verdict> accepted = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Verdict> refused = new ConcurrentHashMap<>();

    /**
     * @param bcryptHashes user -> bcrypt hash ($2a$/$2b$/$2y$)
     * @param rolesByUser  user -> roles; null gives every authenticated user every role (Prometheus' model)
     * @param tokens       bearer tokens
     * @param bcryptPool   where bcrypt runs; owned (closed) by this authenticator
     */
    public Authenticator(Map<String, String> bcryptHashes, Map<String, Set<Role>> rolesByUser, List<BearerToken> tokens,
                         ExecutorService bcryptPool) {
        this.bcryptHashes = new ConcurrentHashMap<>();
        bcryptHashes.forEach((u, h) -> this.bcryptHashes.put(u, h.getBytes(StandardCharsets.UTF_8)));
        this.rolesByUser = rolesByUser == null ? null : Map.copyOf(rolesByUser);
        this.tokens = List.copyOf(tokens);
        this.bcryptPool = bcryptPool;
    }

    /**
     * @return the verdict when it needs no bcrypt (no or malformed header, a bearer token, a cached pair); null
     *         when {@link #verifyAsync} must be called
     */
    public Verdict quick(String authorization) {
        if (authorization == null) {
            return Verdict.REFUSED;
        }
        if (startsWithIgnoreCase(authorization, "Bearer ")) {
            return bearer(authorization.substring(7).trim());
        }
        if (!startsWithIgnoreCase(authorization, "Basic ")) {
            return Verdict.REFUSED;
        }
        String[] userPass = decodeBasic(authorization.substring(6).trim());
        if (userPass == null) {
            return Verdict.REFUSED;
        }
        return cached(cacheKey(userPass[0], userPass[1]));
    }

    private Verdict cached(String key) {
        Verdict v = accepted.get(key);
        return v != null ? v : refused.get(key);
    }

    /** Runs bcrypt for a basic-auth header {@link #quick} could not decide. */
    public CompletableFuture<Verdict> verifyAsync(String authorization) {
        String[] userPass = decodeBasic(authorization.substring(6).trim());
        try {
            return CompletableFuture.supplyAsync(() -> verifyBasic(userPass[0], userPass[1]), bcryptPool);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private Verdict verifyBasic(String user, String password) {
        String key = cacheKey(user, password);
        Verdict cached = cached(key);
        if (cached != null) {
            return cached;
        }
        byte[] hash = bcryptHashes.get(user);
        boolean ok = BCrypt.verifyer().verify(password.getBytes(StandardCharsets.UTF_8), hash != null ? hash : DUMMY_HASH).verified;
        Verdict v = ok && hash != null ? new Verdict(user, rolesOf(user)) : Verdict.REFUSED;
        ConcurrentHashMap<String, Verdict> cache = v.authenticated() ? accepted : refused;
        if (cache.size() >= CACHE_LIMIT) {
            cache.clear(); // a crude bound: what is forgotten only costs a bcrypt again
        }
        cache.put(key, v);
        return v;
    }

    private Set<Role> rolesOf(String user) {
        if (rolesByUser == null) {
            return EnumSet.allOf(Role.class);
        }
        return rolesByUser.getOrDefault(user, Set.of());
    }

    private Verdict bearer(String token) {
        byte[] digest = sha256(token);
        BearerToken match = null;
        for (BearerToken t : tokens) { // every token is compared: the time does not tell which one matched
            if (MessageDigest.isEqual(digest, t.sha256()) & match == null) {
                match = t;
            }
        }
        return match == null ? Verdict.REFUSED : new Verdict("token:" + match.name(), match.roles());
    }

    /** The cache key: a digest that also covers the user's hash, so a changed hash never meets an old verdict. */
    private String cacheKey(String user, String password) {
        byte[] hash = bcryptHashes.get(user);
        MessageDigest md = sha256();
        md.update(user.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update(password.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        if (hash != null) {
            md.update(hash);
        }
        return Base64.getEncoder().encodeToString(md.digest());
    }

    /** @return {user, password}, or null when the credentials are not base64 of {@code user:password} */
    private static String[] decodeBasic(String encoded) {
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            return null;
        }
        String s = new String(raw, StandardCharsets.UTF_8);
        int colon = s.indexOf(':');
        return colon < 0 ? null : new String[] {s.substring(0, colon), s.substring(colon + 1)};
    }

    public static byte[] sha256(String s) {
        return sha256().digest(s.getBytes(StandardCharsets.UTF_8));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always has SHA-256", e);
        }
    }

    private static boolean startsWithIgnoreCase(String s, String prefix) {
        return s.regionMatches(true, 0, prefix, 0, prefix.length());
    }

    @Override
    public void close() {
        bcryptPool.shutdownNow();
    }
}
