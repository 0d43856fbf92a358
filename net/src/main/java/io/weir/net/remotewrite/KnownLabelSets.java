package io.weir.net.remotewrite;

/**
 * Which label-set keys ({@link io.weir.engine.series.LabelSetHash#hashEncoded} of a series' label fields) name a set
 * that was decoded, checked and resolved before on the calling thread: the {@link RemoteWriteDecoder} then leaves
 * those labels undecoded ({@link RemoteWriteDecoder#deferKnownLabels}).
 */
@FunctionalInterface
public interface KnownLabelSets {
    boolean known(long hi, long lo);

    /**
     * Brings what {@link #known} of a key with this low half will read into the cache, and nothing more: the decoder
     * calls it for every key of a request before asking for any.
     */
    default void prefetch(long lo) {
    }
}
