package io.weir.engine.sketch;

/**
 * The header every sketch block starts with, whatever its family, so that shared machinery (the
 * seqlock, snapshots, diagnostics) can handle a block without knowing its family.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                  version (seqlock, 8 bytes)                   |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                      series id (int)                          |  8
 *  +---------------------------------------------------------------+
 *  |            family tag (int): Family.ordinal() + 1             | 12
 *  +---------------------------------------------------------------+
 *  |                 family-specific fields ...                    | 16
 * </pre>
 * Blocks are 64-byte aligned (see the slab arena); every field is naturally aligned.
 */
public final class SketchBlockDescriptor {
    public static final int VERSION_OFFSET = 0;
    public static final int SERIES_ID_OFFSET = 8;
    public static final int FAMILY_OFFSET = 12;
    public static final int HEADER_LENGTH = 16;
    public static final int ALIGNMENT = 64;

    private SketchBlockDescriptor() {
    }

    /** The tag stored for a family; 0 never appears in a live block. */
    public static int familyTag(SketchFunction.Family family) {
        return family.ordinal() + 1;
    }
}
