package io.weir.server;

import io.weir.engine.series.CanonicalLabels;
import io.weir.net.remotewrite.RemoteWriteEncoder;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.Writer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code weir backfill}: reads raw history from the backend and posts it to a node's {@code /api/v1/admin/backfill},
 * which puts it in sketches and the WAL (replayed after a restart) without forwarding it back.
 * <p>
 * Time is cut into chunks. A chunk is read whole and put in a fixed order (series by label set, samples by time)
 * so that a resumed run sees the same sequence again: the checkpoint then names the chunk and how many of its samples
 * the node has acknowledged, and an interrupted run, killed between two requests or not, resumes after exactly those.
 * That order costs holding one chunk in memory; a smaller {@code --chunk} bounds it.
 * <p>
 * Sources: VictoriaMetrics' {@code /api/v1/export} (raw samples as JSON lines) and Prometheus' remote read
 * ({@code POST /api/v1/read}, SAMPLES responses: {@link PrometheusRemoteRead}); {@code query_range} would be lossy.
 */
@Command(name = "backfill", mixinStandardHelpOptions = true, description = "Read raw history from the backend into a node's sketches (not forwarded back).")
final class BackfillCommand implements Callable<Integer> {
    @Option(names = "--from", required = true, description = "backend base URL, e.g. http://127.0.0.1:8428")
    String from;
    @Option(names = "--source", defaultValue = "auto", description = "victoriametrics, prometheus or auto (default: "
            + "VictoriaMetrics if the backend serves /api/v1/export, else Prometheus)")
    String source;
    @Option(names = "--match", required = true, description = "series selector, e.g. '{job=\"node\"}'")
    String match;
    @Option(names = "--start", required = true, description = "first timestamp: RFC 3339 or unix seconds")
    String start;
    @Option(names = "--end", required = true, description = "last timestamp (inclusive): RFC 3339 or unix seconds")
    String end;
    @Option(names = "--url", defaultValue = "http://127.0.0.1:9201", description = "the node (default http://127.0.0.1:9201)")
    String url;
    @Option(names = "--chunk", defaultValue = "1h", description = "time read from the backend at once (default 1h)")
    String chunk;
    @Option(names = "--checkpoint", description = "progress file: a rerun with the same file resumes where the last stopped")
    Path checkpoint;
    @Option(names = "--max-samples", defaultValue = "10000", description = "samples per request to the node (default 10000)")
    int maxSamples;
    @Option(names = "--timeout", defaultValue = "300", description = "seconds to wait for one backend or node answer (default 300)")
    long timeoutSeconds;
    @Option(names = "--basic-auth", description = "USER:PASSWORD of a node user with the admin role (a node with a web config)")
    String basicAuth;
    @Option(names = "--bearer-token-file", description = "file holding a node bearer token with the admin role")
    Path bearerTokenFile;
    @Option(names = "--ca-file", description = "PEM CA certificate that signed the node's certificate (https --url)")
    Path caFile;
    @Option(names = "--from-basic-auth", description = "USER:PASSWORD for the backend")
    String fromBasicAuth;
    @Option(names = "--from-bearer-token-file", description = "file holding a bearer token for the backend")
    Path fromBearerTokenFile;
    @Option(names = "--from-ca-file", description = "PEM CA certificate that signed the backend's certificate (https --from)")
    Path fromCaFile;

    /** The node's client and credential. */
    private HttpClient http;
    private String authorization;
    /** The backend's. */
    private HttpClient backendHttp;
    private String backendAuthorization;
    private final RemoteWriteEncoder encoder = new RemoteWriteEncoder();
    private boolean prometheus;
    private List<io.weir.engine.series.LabelMatcher> matchers;
    private long samplesPosted;
    private long samplesRead;

    @Override
    public Integer call() {
        try {
            return run();
        } catch (IllegalArgumentException | BackfillException e) {
            System.err.println("weir backfill: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            System.err.println("weir backfill: " + e);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private int run() throws IOException, InterruptedException {
        HttpCredentials nodeCredentials = new HttpCredentials(basicAuth, bearerTokenFile, caFile);
        HttpCredentials backendCredentials = new HttpCredentials(fromBasicAuth, fromBearerTokenFile, fromCaFile);
        http = nodeCredentials.client(Duration.ofSeconds(10));
        authorization = nodeCredentials.authorization();
        backendHttp = backendCredentials.client(Duration.ofSeconds(10));
        backendAuthorization = backendCredentials.authorization();
        long startMs = parseTime("--start", start);
        long endMs = parseTime("--end", end);
        if (endMs < startMs) {
            throw new IllegalArgumentException("--end (" + end + ") is before --start (" + start + ")");
        }
        long chunkMs = parseDuration(chunk);
        if (maxSamples < 1) {
            throw new IllegalArgumentException("--max-samples must be at least 1, got " + maxSamples);
        }
        try {
            matchers = io.weir.engine.query.promql.PromQLParser.parseSelector(match).matchers();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("--match " + match + " is not a series selector: " + e.getMessage());
        }
        String backend = trimSlash(from);
        String node = trimSlash(url);
        prometheus = switch (source) {
            case "prometheus" -> true;
            case "victoriametrics" -> false;
            case "auto" -> !servesExport(backend, startMs);
            default -> throw new IllegalArgumentException("--source must be victoriametrics, prometheus or auto, got " + source);
        };
        long next = startMs;
        long skip = 0;
        long partialChunkEnd = Long.MIN_VALUE; // the end of a chunk a stopped run was part way through
        if (checkpoint != null && Files.exists(checkpoint)) {
            Properties p = readCheckpoint();
            if (!match.equals(p.getProperty("match"))) {
                throw new IllegalArgumentException("checkpoint " + checkpoint + " is for --match " + p.getProperty("match")
                        + ", not " + match + "; use another checkpoint file");
            }
            next = Math.max(startMs, Long.parseLong(p.getProperty("next")));
            skip = next == Long.parseLong(p.getProperty("next")) ? Long.parseLong(p.getProperty("posted", "0")) : 0;
            if (skip > 0) {
                // the samples to skip are the first of that chunk's order, so the chunk must be read as it was then
                partialChunkEnd = Long.parseLong(p.getProperty("chunk_end"));
                if (partialChunkEnd > endMs) {
                    throw new IllegalArgumentException("checkpoint " + checkpoint + " stopped inside a chunk that ends at "
                            + Instant.ofEpochMilli(partialChunkEnd) + "; --end must not be before it");
                }
            }
            System.out.println("resuming at " + Instant.ofEpochMilli(next) + (skip > 0 ? " after " + skip + " samples" : ""));
        }
        int chunks = 0;
        while (next <= endMs) {
            long chunkEnd = skip > 0 ? partialChunkEnd : Math.min(endMs, next + chunkMs - 1); // inclusive
            List<SeriesSamples> series = readChunk(backend, next, chunkEnd);
            postChunk(node, series, next, chunkEnd, skip);
            next = chunkEnd + 1;
            skip = 0;
            storeCheckpoint(next, next, 0);
            chunks++;
        }
        System.out.println("backfill done: " + chunks + " chunk(s), " + samplesRead + " samples read, " + samplesPosted
                + " posted to " + node);
        return 0;
    }

    /** One series' samples within a chunk, in time order. */
    record SeriesSamples(byte[] labels, long[] timestamps, double[] values) {}

    /** Reads [from, to] (ms, inclusive) from the backend, in the fixed order resuming relies on. */
    private List<SeriesSamples> readChunk(String backend, long fromMs, long toMs) throws IOException, InterruptedException {
        ChunkCollector chunk = new ChunkCollector();
        if (prometheus) {
            PrometheusRemoteRead.read(backendHttp, backend, backendAuthorization, matchers, fromMs, toMs, Duration.ofSeconds(timeoutSeconds), chunk::add);
        } else {
            readExport(backend, fromMs, toMs, chunk);
        }
        return chunk.sorted(fromMs, toMs);
    }

    /** A chunk's samples by label set (sorted, as a key); a series can come in several parts. */
    static final class ChunkCollector {
        private final TreeMap<String, byte[]> labelsByKey = new TreeMap<>();
        private final Map<String, List<long[]>> tsByKey = new HashMap<>();
        private final Map<String, List<double[]>> valuesByKey = new HashMap<>();

        /** @param labels name -> value, sorted by name; empty values are dropped (a label with no value is no label) */
        void add(TreeMap<String, String> labels, long[] ts, double[] values) {
            labels.values().removeIf(String::isEmpty);
            String[] pairs = new String[labels.size() * 2];
            StringBuilder key = new StringBuilder();
            int i = 0;
            for (Map.Entry<String, String> l : labels.entrySet()) {
                pairs[i++] = l.getKey();
                pairs[i++] = l.getValue();
                key.append(l.getKey()).append('\u0000').append(l.getValue()).append('\u0000');
            }
            String k = key.toString();
            labelsByKey.computeIfAbsent(k, x -> CanonicalLabels.of(pairs));
            tsByKey.computeIfAbsent(k, x -> new ArrayList<>()).add(ts);
            valuesByKey.computeIfAbsent(k, x -> new ArrayList<>()).add(values);
        }

        List<SeriesSamples> sorted(long fromMs, long toMs) {
            List<SeriesSamples> out = new ArrayList<>(labelsByKey.size());
            for (Map.Entry<String, byte[]> s : labelsByKey.entrySet()) {
                out.add(BackfillCommand.sorted(s.getValue(), tsByKey.get(s.getKey()), valuesByKey.get(s.getKey()), fromMs, toMs));
            }
            return out;
        }
    }

    private void readExport(String backend, long fromMs, long toMs, ChunkCollector chunk) throws IOException, InterruptedException {
        String q = "match[]=" + URLEncoder.encode(match, StandardCharsets.UTF_8) + "&start=" + seconds(fromMs) + "&end=" + seconds(toMs);
        HttpRequest request = backendRequest(URI.create(backend + "/api/v1/export?" + q)).GET().build();
        HttpResponse<InputStream> r = backendHttp.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = r.body()) {
            if (r.statusCode() != 200) {
                throw new BackfillException(backend + "/api/v1/export answered " + r.statusCode() + ": "
                        + new String(body.readNBytes(2000), StandardCharsets.UTF_8).strip());
            }
            // JSON is YAML; the CLI already ships SnakeYAML, so it reads the export's lines without another parser
            Yaml yaml = new Yaml(new SafeConstructor(new LoaderOptions()));
            BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
            int lineNo = 0;
            for (String line; (line = lines.readLine()) != null; ) {
                lineNo++;
                if (!line.isBlank()) {
                    parseLine(yaml, line, lineNo, chunk);
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    static void parseLine(Yaml yaml, String line, int lineNo, ChunkCollector chunk) {
        Object doc;
        try {
            doc = yaml.load(line);
        } catch (RuntimeException e) {
            throw new BackfillException("export line " + lineNo + " is not JSON: " + e.getMessage());
        }
        if (!(doc instanceof Map<?, ?> m) || !(m.get("metric") instanceof Map<?, ?> metric)
                || !(m.get("values") instanceof List<?> values) || !(m.get("timestamps") instanceof List<?> timestamps)
                || values.size() != timestamps.size()) {
            throw new BackfillException("export line " + lineNo + " lacks metric, values and timestamps of one length");
        }
        TreeMap<String, String> labels = new TreeMap<>();
        for (Map.Entry<?, ?> l : metric.entrySet()) {
            labels.put(String.valueOf(l.getKey()), String.valueOf(l.getValue()));
        }
        long[] ts = new long[timestamps.size()];
        double[] vs = new double[values.size()];
        for (int j = 0; j < ts.length; j++) {
            try {
                // numbers may come as strings ("1e+06" is no YAML number, "NaN"): parse their text
                ts[j] = Long.parseLong(String.valueOf(timestamps.get(j)));
                vs[j] = Double.parseDouble(String.valueOf(values.get(j)));
            } catch (NumberFormatException e) {
                throw new BackfillException("export line " + lineNo + ": sample " + j + " is not a number: " + e.getMessage());
            }
        }
        chunk.add(labels, ts, vs);
    }

    /** Joins a series' lines, keeps [fromMs, toMs], orders by time (ties by value, so the order is fixed). */
    private static SeriesSamples sorted(byte[] labels, List<long[]> tsParts, List<double[]> valueParts, long fromMs, long toMs) {
        int n = 0;
        for (long[] t : tsParts) {
            n += t.length;
        }
        long[][] pairs = new long[n][2];
        int k = 0;
        for (int p = 0; p < tsParts.size(); p++) {
            long[] t = tsParts.get(p);
            double[] v = valueParts.get(p);
            for (int j = 0; j < t.length; j++) {
                if (t[j] >= fromMs && t[j] <= toMs) {
                    pairs[k][0] = t[j];
                    pairs[k][1] = Double.doubleToRawLongBits(v[j]);
                    k++;
                }
            }
        }
        long[][] kept = Arrays.copyOf(pairs, k);
        Arrays.sort(kept, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        long[] ts = new long[k];
        double[] vs = new double[k];
        for (int j = 0; j < k; j++) {
            ts[j] = kept[j][0];
            vs[j] = Double.longBitsToDouble(kept[j][1]);
        }
        return new SeriesSamples(labels, ts, vs);
    }

    /** Asks for one millisecond of the export: VictoriaMetrics answers 200, Prometheus 404 (it has no such API). */
    private boolean servesExport(String backend, long atMs) throws IOException, InterruptedException {
        String q = "match[]=" + URLEncoder.encode(match, StandardCharsets.UTF_8) + "&start=" + seconds(atMs) + "&end=" + seconds(atMs);
        HttpResponse<Void> r = backendHttp.send(backendRequest(URI.create(backend + "/api/v1/export?" + q)).GET().build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw new BackfillException(backend + " refused the backfill's credentials (" + r.statusCode()
                    + "); see --from-basic-auth, --from-bearer-token-file");
        }
        return r.statusCode() == 200;
    }

    private HttpRequest.Builder backendRequest(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(timeoutSeconds));
        return backendAuthorization == null ? b : b.header("Authorization", backendAuthorization);
    }

    /** Posts the chunk's samples after the first {@code skip} in requests of at most --max-samples, checkpointing each. */
    private void postChunk(String node, List<SeriesSamples> series, long chunkStart, long chunkEnd, long skip)
            throws IOException, InterruptedException {
        long position = 0; // samples of this chunk before the encoder's
        long posted = skip;
        encoder.reset();
        for (SeriesSamples s : series) {
            samplesRead += s.timestamps.length;
            int first = (int) Math.max(0, Math.min(s.timestamps.length, skip - position));
            position += s.timestamps.length;
            int i = first;
            while (i < s.timestamps.length) {
                encoder.beginSeries(s.labels, 0, s.labels.length);
                while (i < s.timestamps.length && encoder.sampleCount() < maxSamples) {
                    encoder.sample(s.timestamps[i], s.values[i]);
                    i++;
                }
                encoder.endSeries();
                if (encoder.sampleCount() >= maxSamples) {
                    posted += send(node);
                    storeCheckpoint(chunkStart, chunkEnd, posted);
                }
            }
        }
        if (!encoder.isEmpty()) {
            posted += send(node);
            storeCheckpoint(chunkStart, chunkEnd, posted);
        }
    }

    /** Sends the encoder's request until the node answers 204 (retrying 429 and 503); @return its samples. */
    private int send(String node) throws IOException, InterruptedException {
        int samples = encoder.sampleCount();
        int length = encoder.finish();
        byte[] body = Arrays.copyOf(encoder.compressed(), length);
        long backoffMs = 100;
        while (true) {
            HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(node + "/api/v1/admin/backfill"));
            if (authorization != null) {
                builder.header("Authorization", authorization);
            }
            HttpRequest request = builder.timeout(Duration.ofSeconds(timeoutSeconds))
                    .header("Content-Type", "application/x-protobuf")
                    .header("Content-Encoding", "snappy")
                    .header("X-Prometheus-Remote-Write-Version", "0.1.0")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 204) {
                samplesPosted += samples;
                encoder.reset();
                return samples;
            }
            if (r.statusCode() != 429 && r.statusCode() != 503) {
                throw new BackfillException(node + " refused a backfill request with " + r.statusCode() + ": " + r.body().strip());
            }
            Thread.sleep(backoffMs);
            backoffMs = Math.min(10_000, backoffMs * 2);
        }
    }

    private Properties readCheckpoint() throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(checkpoint)) {
            p.load(r);
        }
        try {
            Long.parseLong(p.getProperty("next"));
            if (Long.parseLong(p.getProperty("posted", "0")) > 0) {
                Long.parseLong(p.getProperty("chunk_end"));
            }
        } catch (NumberFormatException e) {
            throw new BackfillException("checkpoint " + checkpoint + " is damaged (next, chunk_end or posted is not a number); remove it to start over");
        }
        return p;
    }

    /** Written to a temporary file and renamed over the old one, so a kill leaves the old or the new, never half. */
    private void storeCheckpoint(long next, long chunkEnd, long posted) throws IOException {
        if (checkpoint == null) {
            return;
        }
        Properties p = new Properties();
        p.setProperty("match", match);
        p.setProperty("next", Long.toString(next));
        p.setProperty("chunk_end", Long.toString(chunkEnd));
        p.setProperty("posted", Long.toString(posted));
        Path tmp = checkpoint.resolveSibling(checkpoint.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp)) {
            p.store(w, "weir backfill progress: next chunk [next, chunk_end] (ms) and how many of its samples the node acknowledged");
        }
        Files.move(tmp, checkpoint, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static long parseTime(String option, String text) {
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException notRfc3339) {
            try {
                return Math.round(Double.parseDouble(text) * 1000);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " \"" + text + "\" is neither RFC 3339 nor unix seconds");
            }
        }
    }

    static long parseDuration(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("--chunk \"" + text + "\" is not a duration like 30m, 1h or 1d");
        }
        long n = Long.parseLong(m.group(1));
        long ms = switch (m.group(2)) {
            case "ms" -> n;
            case "s" -> n * 1000;
            case "m" -> n * 60_000;
            case "h" -> n * 3_600_000;
            default -> n * 86_400_000;
        };
        if (ms < 1) {
            throw new IllegalArgumentException("--chunk must be positive, got " + text);
        }
        return ms;
    }

    private static String seconds(long ms) {
        return java.math.BigDecimal.valueOf(ms, 3).toPlainString();
    }

    private static String trimSlash(String u) {
        return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
    }

    static final class BackfillException extends RuntimeException {
        BackfillException(String message) {
            super(message);
        }
    }
}
