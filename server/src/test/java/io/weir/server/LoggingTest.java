package io.weir.server;

import io.weir.server.config.LogConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** System.Logger (Weir) and SLF4J (Chronicle and other libraries) both reach the one Log4j output, level and format applied. */
class LoggingTest {
    private final PrintStream realErr = System.err;

    @AfterEach
    void restore() {
        System.setErr(realErr);
        Logging.configure(LogConfig.defaults());
    }

    @Test
    void logfmtAtWarn() throws Exception {
        String out = capture(new LogConfig(LogConfig.Level.WARN, LogConfig.Format.LOGFMT), "marker-1");
        assertFalse(out.contains("info-line"), out);
        assertTrue(out.contains("level=warn logger=LoggingTest msg=\"jpl \\\"quoted\\\" marker-1\""), out);
        assertTrue(out.contains("level=error logger=slf4j-test msg=\"slf4j marker-1\" err=\"java.lang.IllegalStateException: boom"), out);
    }

    @Test
    void jsonAtDebug() throws Exception {
        String out = capture(new LogConfig(LogConfig.Level.DEBUG, LogConfig.Format.JSON), "marker-2");
        assertTrue(out.contains("\"level\":\"debug\",\"logger\":\"io.weir.server.LoggingTest\",\"msg\":\"info-line marker-2\""), out);
        for (String line : out.split("\n")) {
            if (line.contains("marker-2")) {
                assertTrue(line.startsWith("{\"ts\":\"") && line.endsWith("}"), line);
                assertEquals(-1, line.indexOf('\t'), line);
            }
        }
    }

    private String capture(LogConfig config, String marker) throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        Logging.configure(config);
        System.Logger jpl = System.getLogger(LoggingTest.class.getName());
        jpl.log(System.Logger.Level.DEBUG, "info-line " + marker);
        jpl.log(System.Logger.Level.WARNING, "jpl \"quoted\" " + marker);
        LoggerFactory.getLogger("slf4j-test").error("slf4j " + marker, new IllegalStateException("boom"));
        long deadline = System.currentTimeMillis() + 20_000;
        while (true) { // the logger is asynchronous: wait for the last event to be written
            String out = buf.toString(StandardCharsets.UTF_8);
            if (out.contains("slf4j " + marker)) {
                return out;
            }
            if (System.currentTimeMillis() > deadline) {
                fail("log output never arrived: " + out);
            }
            Thread.sleep(20);
        }
    }
}
