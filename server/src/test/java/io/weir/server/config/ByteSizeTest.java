package io.weir.server.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ByteSizeTest {

    @ParameterizedTest
    @CsvSource({
            "0, 0",
            "1, 1",
            "33554432, 33554432",
            "512B, 512",
            "1KiB, 1024",
            "32MiB, 33554432",
            "'32 MiB', 33554432",
            "4GiB, 4294967296",
            "2TiB, 2199023255552",
            "1KB, 1000",
            "5MB, 5000000",
            "16GB, 16000000000",
            "1TB, 1000000000000",
            "-1, -1",
            "8388607TiB, 9223370937343148032",
            "9223372036854775807, 9223372036854775807",
    })
    void parses(String text, long bytes) {
        assertEquals(bytes, ByteSize.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "MiB", "1.5GiB", "32mib", "32Mi", "32 M", "1e6", "0x10", "32MiB/s", "1,024", "- 1"})
    void rejectsWithTheText(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(text));
        assertTrue(e.getMessage().startsWith("not a valid size: \"" + text + "\""), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"8388608TiB", "9223372036854775808", "99999999999999999999B"})
    void rejectsOverflow(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ByteSize.parse(text));
        assertEquals("size out of range: \"" + text + "\"", e.getMessage());
    }

    @Test
    void formatsExactlyAndReadsBack() {
        assertEquals("32MiB", ByteSize.format(32L << 20));
        assertEquals("4GiB", ByteSize.format(4L << 30));
        assertEquals("1536KiB", ByteSize.format(1536L << 10));
        assertEquals("5MB", ByteSize.format(5_000_000));
        assertEquals("1500B", ByteSize.format(1500));
        assertEquals("0B", ByteSize.format(0));
        for (long v : new long[]{1, 1023, 1024, 1000, 123456789, 3L << 40, Long.MAX_VALUE}) {
            assertEquals(v, ByteSize.parse(ByteSize.format(v)));
        }
    }
}
