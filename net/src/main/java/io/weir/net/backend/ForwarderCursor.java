package io.weir.net.backend;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The forwarder's position in the WAL, persisted so that a restart resends from the last acknowledged batch
 * (at-least-once: a batch sent but not recorded is sent again; TSDBs treat the repeat as a duplicate sample).
 * Written to a temp file, fsynced, then renamed over the old one.
 */
public final class ForwarderCursor {
    private final Path file;

    public ForwarderCursor(Path file) {
        this.file = file;
    }

    /** @return the stored position, or {@code defaultPosition} when none was stored yet */
    public long load(long defaultPosition) throws IOException {
        if (!Files.exists(file)) {
            return defaultPosition;
        }
        String text = Files.readString(file).trim();
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IOException("forwarder cursor " + file + " is corrupt: \"" + text + "\"");
        }
    }

    public void store(long position) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap((position + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
