package io.weir.persistence.wal;

import static io.weir.persistence.wal.WalTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Damage to a closed WAL, case by case (after Prometheus' and QuestDB's WAL tests). Tail damage in the last segment is
 * repaired on writer open, counted, and appends continue; damage in an older segment is reported by a reader.
 */
class WalCorruptionTest {
    private static final WalOptions OPTIONS = WalOptions.defaults().withSegmentSize(8 * 1024).withFsync(FsyncPolicy.NEVER, Duration.ZERO);

    @TempDir
    Path dir;

    /** The written log: records, their start positions, and the committed end. */
    private List<Rec> expected;
    private List<Long> starts;
    private long end;

    private void writeLog() throws IOException {
        SplittableRandom rnd = new SplittableRandom(7);
        expected = new ArrayList<>();
        try (WalWriter writer = WalWriter.open(dir, OPTIONS)) {
            for (int i = 0; i < 120; i++) {
                Rec rec = i % 3 == 0 ? samples(rnd, 20 + rnd.nextInt(40), 1_000_000L * i) : i % 6 == 2 ? extras(rnd, 200) : series(i);
                append(writer, rec);
                expected.add(rec);
                writer.commit();
            }
            end = writer.committedPosition();
        }
        starts = recordStarts(dir);
        assertEquals(expected.size(), starts.size());
        assertTrue(WalPosition.segment(end) >= 2, "the cases need at least three segments");
    }

    private Path segment(long index) {
        return WalDirectory.segmentPath(dir, index);
    }

    private Path lastSegment() {
        return segment(WalPosition.segment(end));
    }

    /** Index of the first record in the last segment. */
    private int firstInLastSegment() {
        for (int i = 0; i < starts.size(); i++) {
            if (WalPosition.segment(starts.get(i)) == WalPosition.segment(end)) {
                return i;
            }
        }
        throw new AssertionError();
    }

    private static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }

    private static void overwrite(Path file, long at, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), at);
        }
    }

    private static void flipByte(Path file, long at) throws IOException {
        byte[] all = Files.readAllBytes(file);
        overwrite(file, at, new byte[] {(byte) (all[(int) at] ^ 0x40)});
    }

    /** Opens a writer over the damaged log, checks the repair, appends one record and checks what a reader sees. */
    private void assertRepaired(long expectedRepairedBytes, int survivors) throws IOException {
        long sizeBefore = totalBytes();
        Series marker = series(999_999);
        long committed;
        try (WalWriter writer = WalWriter.open(dir, OPTIONS)) {
            assertEquals(expectedRepairedBytes == 0 ? 0 : 1, writer.repairs(), "repairs");
            assertEquals(expectedRepairedBytes, writer.repairedBytes(), "repaired bytes");
            assertEquals(sizeBefore - expectedRepairedBytes + (expectedRepairedBytes > 0 && headerRewritten ? WalSegmentDescriptor.HEADER_LENGTH : 0),
                    writer.diskBytes(), "disk bytes after repair");
            append(writer, marker);
            committed = writer.commit();
        }
        List<Rec> want = new ArrayList<>(expected.subList(0, survivors));
        want.add(marker);
        assertEquals(want, readAll(dir, committed));
    }

    private boolean headerRewritten;

    private long totalBytes() throws IOException {
        long sum = 0;
        for (long i : WalDirectory.listSegments(dir)) {
            sum += Files.size(segment(i));
        }
        return sum;
    }

    @Test
    void undamagedLogNeedsNoRepair() throws IOException {
        writeLog();
        assertRepaired(0, expected.size());
    }

    @Test
    void tornTailAtEveryByteOfTheLastRecord() throws IOException {
        writeLog();
        Path last = lastSegment();
        byte[] original = Files.readAllBytes(last);
        long lastStart = WalPosition.offset(starts.getLast());
        for (long cut = lastStart + 1; cut < original.length; cut++) {
            Files.write(last, original);
            truncate(last, cut);
            try (WalWriter writer = WalWriter.open(dir, OPTIONS)) {
                assertEquals(1, writer.repairs(), "cut at " + cut);
                assertEquals(cut - lastStart, writer.repairedBytes(), "cut at " + cut);
                assertEquals(WalPosition.of(WalPosition.segment(end), lastStart), writer.committedPosition());
            }
            assertEquals(expected.subList(0, expected.size() - 1), readAll(dir, WalReader.NO_LIMIT), "cut at " + cut);
        }
        Files.write(last, original);
        truncate(last, original.length - 1);
        assertRepaired(original.length - 1 - lastStart, expected.size() - 1);
    }

    @Test
    void badCrcInLastRecord() throws IOException {
        writeLog();
        long lastStart = WalPosition.offset(starts.getLast());
        flipByte(lastSegment(), Files.size(lastSegment()) - 1);
        assertRepaired(Files.size(lastSegment()) - lastStart, expected.size() - 1);
    }

    @Test
    void flippedTypeByteInLastRecord() throws IOException {
        writeLog();
        long lastStart = WalPosition.offset(starts.getLast());
        flipByte(lastSegment(), lastStart + WalRecordDescriptor.TYPE_OFFSET);
        assertRepaired(Files.size(lastSegment()) - lastStart, expected.size() - 1);
    }

    static Stream<Arguments> badLengths() {
        return Stream.of(
                Arguments.of("larger than any segment", 0x7FFF_FFF0),
                Arguments.of("all ones", 0xFFFF_FFFF),
                Arguments.of("one byte past the file end", -1),
                Arguments.of("one byte short", -2));
    }

    @ParameterizedTest(name = "bad length: {0}")
    @MethodSource("badLengths")
    void badLengthInLastRecord(String name, int length) throws IOException {
        writeLog();
        Path last = lastSegment();
        long lastStart = WalPosition.offset(starts.getLast());
        long payload = Files.size(last) - lastStart - WalRecordDescriptor.HEADER_LENGTH;
        int value = length == -1 ? (int) payload + 1 : length == -2 ? (int) payload - 1 : length;
        overwrite(last, lastStart, ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0, value).array());
        assertRepaired(Files.size(last) - lastStart, expected.size() - 1);
    }

    @Test
    void zeroFilledPreallocatedTail() throws IOException {
        writeLog();
        overwrite(lastSegment(), Files.size(lastSegment()), new byte[4096]);
        assertRepaired(4096, expected.size());
    }

    @Test
    void garbageAppended() throws IOException {
        writeLog();
        byte[] garbage = new byte[100];
        new SplittableRandom(3).nextBytes(garbage);
        overwrite(lastSegment(), Files.size(lastSegment()), garbage);
        assertRepaired(100, expected.size());
    }

    @Test
    void lastSegmentTruncatedInsideAnEarlierRecord() throws IOException {
        writeLog();
        int first = firstInLastSegment();
        assertTrue(starts.size() - first >= 3, "the last segment needs a few records");
        long cutRecordStart = WalPosition.offset(starts.get(first + 1));
        long size = Files.size(lastSegment());
        truncate(lastSegment(), cutRecordStart + 5);
        assertRepaired(5, first + 1);
        assertTrue(size > cutRecordStart);
    }

    @Test
    void truncatedSegmentHeader() throws IOException {
        writeLog();
        truncate(lastSegment(), 10);
        headerRewritten = true;
        assertRepaired(10, firstInLastSegment());
    }

    @Test
    void zeroedSegmentHeaderOfAFreshSegment() throws IOException {
        writeLog();
        truncate(lastSegment(), 0);
        overwrite(lastSegment(), 0, new byte[WalSegmentDescriptor.HEADER_LENGTH]);
        headerRewritten = true;
        assertRepaired(WalSegmentDescriptor.HEADER_LENGTH, firstInLastSegment());
    }

    @Test
    void corruptHeaderOfLastSegmentIsNotRepairedSilently() throws IOException {
        writeLog();
        flipByte(lastSegment(), WalSegmentDescriptor.INDEX_OFFSET);
        WalCorruptionException e = assertThrows(WalCorruptionException.class, () -> WalWriter.open(dir, OPTIONS));
        assertEquals(lastSegment(), e.segment());
    }

    @Test
    void badCrcInTheMiddleOfAnOlderSegmentFailsTheReader() throws IOException {
        writeLog();
        long damaged = starts.get(5);
        assertEquals(0, WalPosition.segment(damaged));
        flipByte(segment(0), WalPosition.offset(damaged) + WalRecordDescriptor.HEADER_LENGTH + 2);
        assertCorruptionAt(segment(0), WalPosition.offset(damaged), 5);
    }

    @Test
    void olderSegmentTruncatedFailsTheReader() throws IOException {
        writeLog();
        int firstOfSegment1 = 0;
        while (WalPosition.segment(starts.get(firstOfSegment1)) == 0) {
            firstOfSegment1++;
        }
        long lastOfSegment0 = WalPosition.offset(starts.get(firstOfSegment1 - 1));
        truncate(segment(0), lastOfSegment0 + 3);
        assertCorruptionAt(segment(0), lastOfSegment0, firstOfSegment1 - 1);
    }

    @Test
    void corruptHeaderOfAnOlderSegmentFailsTheReader() throws IOException {
        writeLog();
        flipByte(segment(1), WalSegmentDescriptor.MAGIC_OFFSET);
        int firstOfSegment1 = 0;
        while (WalPosition.segment(starts.get(firstOfSegment1)) == 0) {
            firstOfSegment1++;
        }
        assertCorruptionAt(segment(1), 0, firstOfSegment1);
    }

    @Test
    void missingMiddleSegmentFailsTheReader() throws IOException {
        writeLog();
        Files.delete(segment(1));
        try (WalWriter writer = WalWriter.open(dir, OPTIONS)) {
            assertEquals(0, writer.repairs());
        }
        Collector c = new Collector();
        try (WalReader reader = WalReader.open(dir, WalReader.OLDEST)) {
            WalSegmentMissingException e = assertThrows(WalSegmentMissingException.class, () -> {
                while (reader.read(c, end, 1000) > 0) { }
            });
            assertTrue(e.getMessage().contains(segment(1).getFileName().toString()), e.getMessage());
        }
        assertThrows(WalSegmentMissingException.class, () -> WalReader.open(dir, starts.get(starts.size() / 2)).close());
    }

    /** A writer still opens (it only appends to the last segment); a reader stops exactly at the damage. */
    private void assertCorruptionAt(Path segment, long offset, int recordsBefore) throws IOException {
        try (WalWriter writer = WalWriter.open(dir, OPTIONS)) {
            assertEquals(0, writer.repairs());
        }
        for (long limit : new long[] {end, WalReader.NO_LIMIT}) {
            Collector c = new Collector();
            try (WalReader reader = WalReader.open(dir, WalReader.OLDEST)) {
                WalCorruptionException e = assertThrows(WalCorruptionException.class, () -> {
                    while (reader.read(c, limit, 7) > 0) { }
                });
                assertEquals(segment, e.segment(), e.getMessage());
                assertEquals(offset, e.offset(), e.getMessage());
                assertTrue(e.getMessage().contains(segment.toString()), e.getMessage());
            }
            assertEquals(expected.subList(0, recordsBefore), c.records);
        }
    }

    /** An EXTRAS record whose CRC is right but whose raw length lies: the reader names it, never skips it. */
    @Test
    void extrasWithAConsistentCrcButAWrongRawLengthFailsTheReader() throws IOException {
        writeLog();
        int victim = -1;
        for (int i = 0; i < expected.size(); i++) {
            if (expected.get(i) instanceof Extras && WalPosition.segment(starts.get(i)) < WalPosition.segment(end)) {
                victim = i;
                break;
            }
        }
        assertTrue(victim >= 0, "the log needs an EXTRAS record in an older segment");
        Path seg = segment(WalPosition.segment(starts.get(victim)));
        int at = (int) WalPosition.offset(starts.get(victim));
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(seg)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int rawAt = at + WalRecordDescriptor.HEADER_LENGTH + WalRecordDescriptor.EXTRAS_RAW_LENGTH_OFFSET;
        b.putInt(rawAt, b.getInt(rawAt) + 1);
        new WalRecordFlyweight().wrap(b, at).sealCrc(new java.util.zip.CRC32C());
        overwrite(seg, 0, b.array());
        assertCorruptionAt(seg, at, victim);
    }
}
