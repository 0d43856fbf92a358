package io.weir.persistence.wal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/** Segment files of one WAL directory. Cold paths only: listing allocates. */
public final class WalDirectory {
    private WalDirectory() {}

    public static Path segmentPath(Path dir, long segmentIndex) {
        return dir.resolve(WalSegmentDescriptor.fileName(segmentIndex));
    }

    /** @return indices of the segment files present, ascending */
    public static long[] listSegments(Path dir) throws IOException {
        long[] found = new long[16];
        int n = 0;
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*" + WalSegmentDescriptor.SUFFIX)) {
            for (Path p : stream) {
                long index = WalSegmentDescriptor.parseFileName(p.getFileName().toString());
                if (index >= 0) {
                    if (n == found.length) {
                        found = Arrays.copyOf(found, n * 2);
                    }
                    found[n++] = index;
                }
            }
        }
        long[] result = Arrays.copyOf(found, n);
        Arrays.sort(result);
        return result;
    }

    /** Makes a created or deleted file name durable; a new segment is useless after a crash if its entry is lost. */
    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }
}
