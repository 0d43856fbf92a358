package io.weir.server;

import io.weir.engine.query.promql.PromQLParser;
import io.weir.server.config.ConfigLoader;
import io.weir.server.config.ConfigProblem;
import io.weir.server.config.ConfigResult;
import io.weir.server.config.WeirConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** The CLI behind {@code ./weir}. */
@Command(name = "weir", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Sketch-based ingestion engine for Prometheus remote write.",
        subcommands = {Main.Serve.class, Main.CheckConfig.class, Main.PrintVersion.class, BenchCommand.class,
                SnapshotCommands.Take.class, SnapshotCommands.Restore.class, BackfillCommand.class})
public final class Main implements Callable<Integer> {

    public static void main(String[] args) {
        int code = new CommandLine(new Main()).execute(args);
        if (code != 0 || args.length == 0 || !"serve".equals(args[0])) {
            System.exit(code);
        }
    }

    @Override
    public Integer call() {
        CommandLine.usage(this, System.out);
        return 0;
    }

    /** The config loader with the real PromQL selector parser. */
    public static ConfigLoader configLoader() {
        return new ConfigLoader(selector -> {
            try {
                return PromQLParser.parseSelector(selector).matchers();
            } catch (io.weir.engine.query.promql.PromQLParseException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        });
    }

    @Command(name = "serve", description = "Run a node.")
    static final class Serve implements Callable<Integer> {
        @Option(names = "--config", description = "YAML config file") Path config;
        @Option(names = "--listen", description = "HOST:PORT (default :9201)") String listen;
        @Option(names = "--data-dir", description = "data directory (default ./data)") Path dataDir;
        @Option(names = "--backend-url", description = "backend TSDB base URL, e.g. http://127.0.0.1:8428") String backendUrl;
        @Option(names = "--web.config.file", description = "web config in Prometheus' format: TLS and basic auth") Path webConfigFile;
        @Option(names = "--log.level", description = "debug, info, warn, error (default info)") String logLevel;
        @Option(names = "--log.format", description = "logfmt or json (default logfmt)") String logFormat;

        @Override
        public Integer call() throws Exception {
            ConfigLoader loader = configLoader();
            ConfigResult base = config == null ? ConfigResult.valid(loader.defaults()) : loader.load(config);
            if (!base.isValid()) {
                printProblems(config.toString(), base);
                return 1;
            }
            WeirConfig effective;
            try {
                effective = loader.withOverrides(base.config(), listen, dataDir, backendUrl, webConfigFile);
                effective = loader.withLogOverrides(effective, logLevel, logFormat);
            } catch (io.weir.server.config.InvalidConfigException e) {
                System.err.println("weir: " + e.getMessage());
                return 1;
            }
            Logging.configure(effective.log());
            WeirNode node = WeirNode.start(effective, BuildInfo.load());
            node.installSignalHandlers();
            node.awaitShutdown();
            return 0;
        }
    }

    @Command(name = "check-config", description = "Validate a config file: exit 0 with a summary, or 1 with every problem.")
    static final class CheckConfig implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE") Path file;

        @Override
        public Integer call() {
            ConfigResult result = configLoader().load(file);
            if (!result.isValid()) {
                printProblems(file.toString(), result);
                return 1;
            }
            System.out.println(file + ": OK");
            System.out.print(ConfigLoader.summary(result.config()));
            return 0;
        }
    }

    @Command(name = "version", description = "Print version, git commit, build date and JDK.")
    static final class PrintVersion implements Callable<Integer> {
        @Override
        public Integer call() {
            BuildInfo b = BuildInfo.load();
            System.out.println("weir " + b.version() + " (commit " + b.commit() + ", built " + b.date() + ", " + b.jdk() + ")");
            return 0;
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            BuildInfo b = BuildInfo.load();
            return new String[] {"weir " + b.version() + " (commit " + b.commit() + ")"};
        }
    }

    private static void printProblems(String source, ConfigResult result) {
        System.err.println(source + ": " + result.problems().size() + " problem(s)");
        for (ConfigProblem p : result.problems()) {
            System.err.println("  " + p.keyPath() + ": " + p.message());
        }
    }
}
