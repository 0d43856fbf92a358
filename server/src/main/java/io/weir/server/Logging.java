package io.weir.server;

import io.weir.server.config.LogConfig;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.builder.api.AppenderComponentBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory;
import org.apache.logging.log4j.core.config.builder.impl.BuiltConfiguration;

/**
 * Where log events go: Log4j 2 is the one provider, for Weir's own {@code System.Logger} calls (log4j-jpl) and for
 * the SLF4J calls of libraries such as Chronicle (log4j-slf4j2-impl). The root logger is asynchronous: the calling
 * thread (an event loop, a ring consumer) hands a pre-allocated Disruptor slot to a background thread instead of
 * writing to stderr itself, and Log4j's garbage-free mode keeps steady-state logging from allocating. Output is one
 * line per event on stderr, logfmt or JSON as Prometheus' {@code --log.format}.
 */
public final class Logging {
    private Logging() {}

    /** Replaces the logging configuration; called once config and flags are known (and by tests). */
    public static void configure(LogConfig config) {
        ConfigurationBuilder<BuiltConfiguration> b = ConfigurationBuilderFactory.newConfigurationBuilder();
        b.setStatusLevel(Level.WARN);
        b.setConfigurationName("weir");
        AppenderComponentBuilder stderr = b.newAppender("stderr", "Console")
                .addAttribute("target", ConsoleAppender.Target.SYSTEM_ERR)
                .addAttribute("follow", true) // honour System.setErr (tests capture the output that way)
                .add(b.newLayout("PatternLayout")
                        .addAttribute("pattern", pattern(config.format()))
                        .addAttribute("alwaysWriteExceptions", false));
        b.add(stderr);
        b.add(b.newAsyncRootLogger(level(config.level())).add(b.newAppenderRef("stderr")).addAttribute("includeLocation", false));
        Configurator.reconfigure(b.build());
    }

    static String pattern(LogConfig.Format format) {
        return switch (format) {
            case LOGFMT -> "ts=%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX}{UTC} level=%level{lowerCase=true} logger=%c{1}"
                    + " msg=\"%enc{%m}{JSON}\"%notEmpty{ err=\"%enc{%throwable}{JSON}\"}%n";
            case JSON -> "{\"ts\":\"%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX}{UTC}\",\"level\":\"%level{lowerCase=true}\","
                    + "\"logger\":\"%enc{%c}{JSON}\",\"msg\":\"%enc{%m}{JSON}\"%notEmpty{,\"err\":\"%enc{%throwable}{JSON}\"}}%n";
        };
    }

    private static Level level(LogConfig.Level level) {
        return switch (level) {
            case DEBUG -> Level.DEBUG;
            case INFO -> Level.INFO;
            case WARN -> Level.WARN;
            case ERROR -> Level.ERROR;
        };
    }
}
