package io.weir.engine.series;

/**
 * Heap sizes of the objects reads keep, estimated for the layout a node runs with (64-bit HotSpot, compressed
 * references and class pointers: 12-byte object headers, 16-byte array headers, 8-byte alignment). Estimates for a
 * budget, not a measurement: {@code NodeMemoryTableRun -Dweir.query.heap=true} measures the heap itself.
 */
public final class HeapSizes {
    private HeapSizes() {}

    /** An object of {@code fieldBytes} of fields beside its header. */
    public static long object(long fieldBytes) { return align(12 + fieldBytes); }

    /** An array of {@code length} references. */
    public static long referenceArray(int length) { return align(16 + 4L * length); }

    /** A String and its byte array, Latin-1 text (label text is ASCII almost always; UTF-16 text is undercounted). */
    public static long string(String s) { return object(12) + align(16 + s.length()); }

    private static long align(long bytes) { return (bytes + 7) & ~7L; }
}
