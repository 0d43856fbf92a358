package io.weir.bench;

import io.weir.engine.series.SeriesResolver;
import io.weir.engine.series.SeriesTable;
import io.weir.net.remotewrite.DecodedWriteRequest;
import io.weir.net.remotewrite.RemoteWriteDecoder;
import io.weir.net.remotewrite.RemoteWriteEncoder;
import io.weir.net.remotewrite.RemoteWriteStatus;
import java.nio.file.Path;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Label set -> series id for series that already exist, one resolve per operation, cycling over all series in
 * request order. The label spans come from a decoded request (one sample per series), as on the ingest path.
 * {@code frontCacheHit}: the event loop's front cache knows every series (steady state).
 * {@code frontCacheMiss}: a resolver whose front cache holds one entry, so every call goes to the Chronicle Map
 * (after a restart, a cache clear, or a new event loop).
 */
@State(Scope.Thread)
public class SeriesResolveBenchmark extends WeirForkedBenchmark {
    @Param({"1000", "10000", "100000"})
    public int seriesCount;

    private Path dir;
    private SeriesTable table;
    private SeriesResolver warmResolver;
    private SeriesResolver coldResolver;
    private final DecodedWriteRequest request = new DecodedWriteRequest();
    private int[] firstLabel;
    private int[] labelCount;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        RemoteWriteEncoder encoder = new RemoteWriteEncoder();
        int length = SyntheticSeries.encode(encoder, 0, seriesCount, 1);
        RemoteWriteDecoder decoder = new RemoteWriteDecoder(256 << 20);
        if (decoder.decode(encoder.compressed(), 0, length, request) != RemoteWriteStatus.OK) {
            throw new IllegalStateException(decoder.errorMessage());
        }
        firstLabel = new int[seriesCount];
        labelCount = new int[seriesCount];
        for (int s = 0; s < seriesCount; s++) {
            firstLabel[s] = request.seriesFirstLabel(s);
            labelCount[s] = request.seriesLabelCount(s);
        }
        dir = TempDirs.create("weir-bench-series-");
        table = SeriesTable.open(dir, seriesCount);
        warmResolver = table.newResolver();
        coldResolver = table.newResolver(1);
        for (int s = 0; s < seriesCount; s++) {
            int id = resolve(warmResolver, s);
            if (id != s) {
                throw new IllegalStateException("series " + s + " got id " + id);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        System.out.printf("%n[seriesCount=%d] warm misses=%d (setup only), cold misses=%d%n", seriesCount,
            warmResolver.misses(), coldResolver.misses());
        table.close();
        TempDirs.delete(dir);
    }

    private int resolve(SeriesResolver resolver, int s) {
        return resolver.resolve(request.buf(), request.labelNameOffsets(), request.labelNameLengths(),
            request.labelValueOffsets(), request.labelValueLengths(), firstLabel[s], labelCount[s]);
    }

    private int nextSeries() {
        int s = next;
        next = s + 1 == seriesCount ? 0 : s + 1;
        return s;
    }

    @Benchmark
    public int frontCacheHit() {
        return resolve(warmResolver, nextSeries());
    }

    @Benchmark
    public int frontCacheMiss() {
        return resolve(coldResolver, nextSeries());
    }
}
