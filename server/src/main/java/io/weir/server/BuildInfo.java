package io.weir.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Version, git commit and build date stamped into the jar at build time. */
public record BuildInfo(String version, String commit, String date) {
    public static BuildInfo load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("/weir-build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // a jar without build info still runs; it just reports "unknown"
        }
        return new BuildInfo(p.getProperty("version", "unknown"), p.getProperty("commit", "unknown"), p.getProperty("date", "unknown"));
    }

    public String jdk() {
        return System.getProperty("java.vendor", "?") + " " + Runtime.version();
    }
}
