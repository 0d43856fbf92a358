package io.weir.engine.series;

/**
 * One pass of a sweep over the heap that reads keep per series for the next read (a series' decoded labels and the
 * query layer's label sets, a shard's cut of its last exact read): each holder offers what it keeps and whether a read
 * used it since the previous pass, and keeps it or lets it go as told. Such state is a cache: a read that finds it
 * gone builds it again.
 */
public interface KeptReadState {
    /**
     * @param heapBytes        what the holder keeps (an estimate of its objects' heap)
     * @param readSinceLastPass whether a read used it since the previous pass
     * @return true to keep it (the holder then clears its read mark), false to let it go
     */
    boolean keep(long heapBytes, boolean readSinceLastPass);
}
