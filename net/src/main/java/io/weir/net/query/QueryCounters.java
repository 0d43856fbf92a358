package io.weir.net.query;

import java.util.concurrent.atomic.LongAdder;

/**
 * What the query endpoints count, by where the answer came from: sketches alone, sketches with sub-expressions
 * from the backend ({@code mixed}), the backend alone, or an error.
 */
public record QueryCounters(LongAdder sketch, LongAdder mixed, LongAdder backend, LongAdder errors) {
    public QueryCounters() {
        this(new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder());
    }
}
