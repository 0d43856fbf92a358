package io.weir.server;

import io.weir.persistence.snapshot.SnapshotManifest;
import io.weir.persistence.snapshot.SnapshotRestore;
import io.weir.persistence.snapshot.SnapshotStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** {@code weir snapshot} and {@code weir restore}. */
final class SnapshotCommands {
    private SnapshotCommands() {}

    @Command(name = "snapshot", description = "Ask a running node for a consistent snapshot; prints its path "
            + "(on the node, or DIR with --out, where its files are downloaded).")
    static final class Take implements Callable<Integer> {
        @Option(names = "--url", required = true, description = "the node, e.g. http://127.0.0.1:9201") String url;
        @Option(names = "--out", description = "download the snapshot's files into this new (or empty) directory") Path out;
        @Option(names = "--timeout", defaultValue = "600", description = "seconds to wait for the snapshot (default 600)") long timeoutSeconds;
        @Option(names = "--basic-auth", description = "USER:PASSWORD of a user with the admin role (a node with a web config)") String basicAuth;
        @Option(names = "--bearer-token-file", description = "file holding a bearer token with the admin role") Path bearerTokenFile;
        @Option(names = "--ca-file", description = "PEM CA certificate that signed the node's certificate (for an https:// --url)") Path caFile;

        @Override
        public Integer call() throws Exception {
            String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
            try {
                if (out != null) {
                    requireEmpty(out);
                }
                HttpCredentials credentials = new HttpCredentials(basicAuth, bearerTokenFile, caFile);
                this.credentials = credentials;
                HttpClient http = credentials.client(Duration.ofSeconds(10));
                HttpResponse<String> r = http.send(credentials.authorize(HttpRequest.newBuilder(URI.create(base + "/api/v1/admin/snapshot")))
                        .timeout(Duration.ofSeconds(timeoutSeconds)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    System.err.println("weir snapshot: " + base + " answered " + r.statusCode() + ": " + r.body().strip());
                    return 1;
                }
                String name = field(r.body(), "name");
                String path = field(r.body(), "path");
                if (out == null) {
                    System.out.println(path);
                    return 0;
                }
                Files.createDirectories(out);
                download(http, base, name, SnapshotManifest.FILE_NAME, out);
                SnapshotManifest m = SnapshotManifest.read(out);
                for (SnapshotManifest.FileEntry f : m.files()) {
                    download(http, base, name, f.name(), out);
                }
                SnapshotStore.verify(out);
                System.out.println(out.toAbsolutePath());
                return 0;
            } catch (java.net.ConnectException | java.net.http.HttpConnectTimeoutException e) {
                System.err.println("weir snapshot: cannot reach " + base + " (" + e + ")");
                return 1;
            } catch (IOException | IllegalArgumentException e) {
                System.err.println("weir snapshot: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
                return 1;
            }
        }

        private HttpCredentials credentials;

        private void download(HttpClient http, String base, String name, String file, Path out) throws IOException, InterruptedException {
            HttpResponse<Path> r = http.send(credentials.authorize(HttpRequest.newBuilder(URI.create(base + "/api/v1/admin/snapshots/" + name + "/" + file))).build(),
                    HttpResponse.BodyHandlers.ofFile(out.resolve(file)));
            if (r.statusCode() != 200) {
                throw new IOException("downloading " + file + " of " + name + ": HTTP " + r.statusCode() + ": " + Files.readString(out.resolve(file)).strip());
            }
        }

        private static String field(String json, String key) throws IOException {
            Matcher m = Pattern.compile("\"" + key + "\":\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(json);
            if (!m.find()) {
                throw new IOException("unexpected answer (no \"" + key + "\"): " + json);
            }
            return m.group(1).replace("\\\"", "\"").replace("\\\\", "\\");
        }
    }

    @Command(name = "restore", description = "Prepare a new data dir from a snapshot, so that 'weir serve --data-dir DIR' starts from it.")
    static final class Restore implements Callable<Integer> {
        @Option(names = "--snapshot", required = true, description = "snapshot directory (from 'weir snapshot --out' or a node's data dir)") Path snapshot;
        @Option(names = "--data-dir", required = true, description = "data dir to create (must not exist or be empty)") Path dataDir;

        @Override
        public Integer call() {
            try {
                Path dir = SnapshotRestore.restore(snapshot, dataDir);
                SnapshotManifest m = SnapshotManifest.read(dir);
                System.out.println("restored " + m + " into " + dataDir.toAbsolutePath());
                System.out.println("start it with: ./weir serve --data-dir " + dataDir);
                return 0;
            } catch (IOException e) {
                System.err.println("weir restore: " + e.getMessage());
                return 1;
            }
        }
    }

    static void requireEmpty(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    throw new IOException(dir + " is not empty");
                }
            }
        }
    }
}
