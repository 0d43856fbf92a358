package io.weir.net.security;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

/**
 * The server's TLS context from PEM files (Prometheus' {@code tls_server_config}), reloaded when a file changes so
 * that a renewed certificate takes effect for new connections without a restart (as Prometheus re-reads its files).
 * Thread-safe: event loops call {@link #current()} per new connection; the files are looked at most once a second.
 */
public final class ServerTls {
    /** Client certificate policy, by Prometheus' {@code client_auth_type} names that Weir supports. */
    public enum ClientCerts {
        NO_CLIENT_CERT("NoClientCert", ClientAuth.NONE),
        VERIFY_IF_GIVEN("VerifyClientCertIfGiven", ClientAuth.OPTIONAL),
        REQUIRE_AND_VERIFY("RequireAndVerifyClientCert", ClientAuth.REQUIRE);

        private final String configName;
        private final ClientAuth netty;

        ClientCerts(String configName, ClientAuth netty) {
            this.configName = configName;
            this.netty = netty;
        }

        public String configName() { return configName; }

        public static ClientCerts byConfigName(String name) {
            for (ClientCerts c : values()) {
                if (c.configName.equals(name)) {
                    return c;
                }
            }
            return null;
        }
    }

    private static final long CHECK_INTERVAL_NANOS = 1_000_000_000L;

    private final Path certFile;
    private final Path keyFile;
    private final Path clientCaFile;
    private final ClientCerts clientCerts;
    private final List<String> protocols;

    private volatile Loaded loaded;
    private volatile long nextCheckNanos;

    private record Loaded(SslContext context, FileTime certTime, FileTime keyTime, FileTime caTime) {}

    /**
     * @param protocols enabled protocol names, e.g. {@code [TLSv1.3, TLSv1.2]}
     * @throws IOException when the files cannot be read or do not hold a usable certificate and PKCS#8 key
     */
    public ServerTls(Path certFile, Path keyFile, Path clientCaFile, ClientCerts clientCerts, List<String> protocols)
            throws IOException {
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.clientCaFile = clientCaFile;
        this.clientCerts = clientCerts;
        this.protocols = List.copyOf(protocols);
        this.loaded = load();
        this.nextCheckNanos = System.nanoTime() + CHECK_INTERVAL_NANOS;
    }

    /** The context for a new connection; reloads first when a file changed (a bad new file keeps the old one). */
    public SslContext current() {
        long now = System.nanoTime();
        if (now - nextCheckNanos >= 0) {
            nextCheckNanos = now + CHECK_INTERVAL_NANOS;
            Loaded l = loaded;
            try {
                if (!l.certTime.equals(mtime(certFile)) || !l.keyTime.equals(mtime(keyFile))
                        || (clientCaFile != null && !l.caTime.equals(mtime(clientCaFile)))) {
                    loaded = load();
                    System.getLogger(ServerTls.class.getName()).log(System.Logger.Level.INFO,
                            "TLS certificate reloaded from " + certFile);
                }
            } catch (IOException | RuntimeException e) {
                System.getLogger(ServerTls.class.getName()).log(System.Logger.Level.WARNING,
                        "TLS certificate reload failed, keeping the previous one: " + e.getMessage());
            }
        }
        return loaded.context();
    }

    private Loaded load() throws IOException {
        FileTime certTime = mtime(certFile);
        FileTime keyTime = mtime(keyFile);
        FileTime caTime = clientCaFile == null ? null : mtime(clientCaFile);
        try {
            SslContextBuilder b = SslContextBuilder.forServer(certFile.toFile(), keyFile.toFile())
                    .sslProvider(SslProvider.JDK)
                    .protocols(protocols)
                    .clientAuth(clientCerts.netty);
            if (clientCaFile != null) {
                b.trustManager(clientCaFile.toFile());
            }
            return new Loaded(b.build(), certTime, keyTime, caTime);
        } catch (SSLException | IllegalArgumentException e) {
            throw new IOException("cannot use certificate " + certFile + " with key " + keyFile
                    + " (the key must be an unencrypted PKCS#8 PEM, BEGIN PRIVATE KEY): " + rootMessage(e), e);
        }
    }

    private static FileTime mtime(Path p) throws IOException {
        return Files.getLastModifiedTime(p);
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
