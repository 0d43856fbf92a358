package io.weir.server.it;

import io.weir.server.BuildInfo;
import io.weir.server.WeirNode;
import io.weir.server.config.ConfigLoader;
import io.weir.server.config.ConfigResult;
import io.weir.server.config.WeirConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/** A real Weir node in the test JVM on 127.0.0.1 with a temporary (or given) data dir. */
public final class WeirTestNode implements AutoCloseable {
    private final WeirNode node;
    private final Path dataDir;
    private final boolean ownsDataDir;

    private WeirTestNode(WeirNode node, Path dataDir, boolean ownsDataDir) {
        this.node = node;
        this.dataDir = dataDir;
        this.ownsDataDir = ownsDataDir;
    }

    /** @param yaml config text; listen and data_dir are set by this method */
    public static WeirTestNode start(String yaml, Path dataDir) throws IOException, InterruptedException {
        return start(yaml, dataDir, System::currentTimeMillis);
    }

    /** @param clockMs the node's idle clock (sketch eviction, series expiry), e.g. one that follows the data */
    public static WeirTestNode start(String yaml, Path dataDir, LongSupplier clockMs) throws IOException, InterruptedException {
        boolean owns = dataDir == null;
        Path dir = owns ? ExternalProcess.tempDir("weir") : dataDir;
        ConfigLoader loader = io.weir.server.Main.configLoader();
        ConfigResult r = loader.parse(yaml, "test");
        WeirConfig cfg = loader.withOverrides(r.config(), "127.0.0.1:0", dir, null);
        return new WeirTestNode(WeirNode.start(cfg, BuildInfo.load(), clockMs), dir, owns);
    }

    public static WeirTestNode start(String yaml) throws IOException, InterruptedException {
        return start(yaml, null);
    }

    public String url() { return "http://127.0.0.1:" + node.port(); }

    public int port() { return node.port(); }

    public WeirNode node() { return node; }

    public Path dataDir() { return dataDir; }

    @Override
    public void close() {
        node.close();
        if (ownsDataDir) {
            ExternalProcess.deleteRecursively(dataDir);
        }
    }
}
