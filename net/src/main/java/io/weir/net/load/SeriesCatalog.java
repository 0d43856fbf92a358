package io.weir.net.load;

import io.weir.engine.series.CanonicalLabels;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A fixed, reproducible set of series shaped like what a Prometheus server scrapes from a fleet: about 50 metric
 * names (node, HTTP, runtime, database), each instance exporting one series of each, labels {@code __name__},
 * {@code job}, {@code instance}, {@code env}, {@code region} and up to two metric-specific dimensions. Each series
 * is a counter or a gauge; {@link #value} gives its value at a scrape round (counters never decrease).
 */
public final class SeriesCatalog {
    /** name, kind (c = counter, g = gauge), extra label names (0 to 2, space separated). */
    private static final String[][] METRICS = {
        {"node_cpu_seconds_total", "c", "cpu mode"},
        {"node_memory_MemAvailable_bytes", "g", ""},
        {"node_memory_MemFree_bytes", "g", ""},
        {"node_memory_Cached_bytes", "g", ""},
        {"node_load1", "g", ""},
        {"node_load5", "g", ""},
        {"node_filesystem_avail_bytes", "g", "device mountpoint"},
        {"node_filesystem_size_bytes", "g", "device mountpoint"},
        {"node_disk_read_bytes_total", "c", "device"},
        {"node_disk_written_bytes_total", "c", "device"},
        {"node_disk_io_time_seconds_total", "c", "device"},
        {"node_network_receive_bytes_total", "c", "device"},
        {"node_network_transmit_bytes_total", "c", "device"},
        {"node_network_receive_errs_total", "c", "device"},
        {"node_context_switches_total", "c", ""},
        {"node_intr_total", "c", ""},
        {"node_procs_running", "g", ""},
        {"node_sockstat_TCP_inuse", "g", ""},
        {"node_time_seconds", "g", ""},
        {"node_boot_time_seconds", "g", ""},
        {"http_requests_total", "c", "method code"},
        {"http_request_duration_seconds_sum", "c", "handler"},
        {"http_request_duration_seconds_count", "c", "handler"},
        {"http_request_size_bytes_sum", "c", "handler"},
        {"http_response_size_bytes_sum", "c", "handler"},
        {"http_requests_in_flight", "g", ""},
        {"process_cpu_seconds_total", "c", ""},
        {"process_resident_memory_bytes", "g", ""},
        {"process_virtual_memory_bytes", "g", ""},
        {"process_open_fds", "g", ""},
        {"process_max_fds", "g", ""},
        {"process_start_time_seconds", "g", ""},
        {"go_goroutines", "g", ""},
        {"go_threads", "g", ""},
        {"go_memstats_alloc_bytes", "g", ""},
        {"go_memstats_heap_inuse_bytes", "g", ""},
        {"go_gc_duration_seconds_sum", "c", ""},
        {"go_gc_duration_seconds_count", "c", ""},
        {"jvm_memory_used_bytes", "g", "area"},
        {"jvm_gc_pause_seconds_sum", "c", "gc"},
        {"jvm_threads_live_threads", "g", ""},
        {"pg_stat_database_xact_commit", "c", "datname"},
        {"pg_stat_database_blks_hit", "c", "datname"},
        {"pg_stat_activity_count", "g", "datname state"},
        {"redis_commands_processed_total", "c", ""},
        {"redis_connected_clients", "g", ""},
        {"kafka_consumergroup_lag", "g", "topic partition"},
        {"up", "g", ""},
        {"scrape_duration_seconds", "g", ""},
        {"scrape_samples_scraped", "g", ""},
    };
    private static final String[] JOBS = {"node", "api", "ingress", "postgres", "redis", "kafka", "billing", "auth"};
    private static final String[] ENVS = {"prod", "prod", "prod", "staging"};
    private static final String[] REGIONS = {"eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-southeast-1"};

    private final byte[][] labels;
    private final boolean[] counter;
    private final double[] base;
    private final double[] scale;

    private SeriesCatalog(int seriesCount) {
        labels = new byte[seriesCount][];
        counter = new boolean[seriesCount];
        base = new double[seriesCount];
        scale = new double[seriesCount];
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < seriesCount; i++) {
            String[] metric = METRICS[i % METRICS.length];
            int instance = i / METRICS.length;
            Map<String, String> set = new TreeMap<>(); // String order = byte order for ASCII names
            set.put("__name__", metric[0]);
            set.put("job", JOBS[instance % JOBS.length]);
            set.put("instance", "10." + (instance >> 16 & 0xFF) + "." + (instance >> 8 & 0xFF) + "." + (instance & 0xFF) + ":9100");
            set.put("env", ENVS[instance % ENVS.length]);
            set.put("region", REGIONS[instance / 7 % REGIONS.length]);
            if (!metric[2].isEmpty()) {
                for (String name : metric[2].split(" ")) {
                    set.put(name, dimensionValue(name, instance));
                }
            }
            String[] pairs = new String[set.size() * 2];
            int p = 0;
            for (Map.Entry<String, String> e : set.entrySet()) {
                pairs[p++] = e.getKey();
                pairs[p++] = e.getValue();
            }
            labels[i] = CanonicalLabels.of(pairs);
            counter[i] = metric[1].equals("c");
            base[i] = counter[i] ? Math.floor(random.nextDouble() * 1e6) : random.nextDouble() * 1e4;
            scale[i] = counter[i] ? 1 + Math.floor(random.nextDouble() * 500) : base[i] * 0.2 + 1;
        }
    }

    /** Instance number spreads the dimension values, so every (metric, instance) pair stays one series. */
    private static String dimensionValue(String name, int instance) {
        return switch (name) {
            case "cpu", "partition" -> Integer.toString(instance % 8);
            case "mode" -> new String[] {"user", "system", "idle", "iowait"}[instance % 4];
            case "device" -> new String[] {"sda", "nvme0n1", "eth0", "ens5"}[instance % 4];
            case "mountpoint" -> new String[] {"/", "/var/lib/data", "/home"}[instance % 3];
            case "method" -> new String[] {"GET", "POST", "PUT"}[instance % 3];
            case "code" -> new String[] {"200", "404", "500", "503"}[instance % 4];
            case "handler" -> new String[] {"/api/v1/orders", "/api/v1/users", "/healthz", "/metrics"}[instance % 4];
            case "area" -> instance % 2 == 0 ? "heap" : "nonheap";
            case "gc" -> instance % 2 == 0 ? "G1 Young Generation" : "G1 Old Generation";
            case "datname" -> new String[] {"orders", "users", "postgres"}[instance % 3];
            case "state" -> new String[] {"active", "idle", "idle in transaction"}[instance % 3];
            case "topic" -> new String[] {"events", "payments", "audit"}[instance % 3];
            default -> throw new IllegalArgumentException("no values for dimension " + name);
        };
    }

    public static SeriesCatalog of(int seriesCount) {
        if (seriesCount < 1) {
            throw new IllegalArgumentException("series must be >= 1, was " + seriesCount);
        }
        return new SeriesCatalog(seriesCount);
    }

    public int size() { return labels.length; }

    /** The label set in {@link CanonicalLabels} form. */
    public byte[] labels(int series) { return labels[series]; }

    public boolean isCounter(int series) { return counter[series]; }

    /** The scrape target a series comes from: every instance exports one series of each metric name. */
    public int instance(int series) { return series / METRICS.length; }

    /** Value at scrape {@code round}: counters grow by a jittered positive step, gauges wander around a level. */
    public double value(int series, long round) {
        long h = mix(series * 0x9E3779B97F4A7C15L + round);
        double jitter = (h >>> 11) * 0x1.0p-53; // [0, 1)
        if (counter[series]) {
            return base[series] + round * scale[series] + Math.floor(jitter * scale[series] * 0.5);
        }
        return base[series] + scale[series] * Math.sin(round * 0.01 + series) + jitter * scale[series] * 0.1;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
