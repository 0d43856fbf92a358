package io.weir.engine.query;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * One query's work split into numbered parts, run by the calling thread and up to {@code helpers} pool threads at
 * once: every thread takes the next part until none is left, so a busy or refusing pool costs the caller nothing (it
 * runs whatever no helper took). Used where a query fans out (reading a leaf's series, writing a large result).
 */
public final class SharedTasks {
    private SharedTasks() {}

    /** One part; {@code stop} holds another part's failure once one failed, which a long part may check to return early. */
    @FunctionalInterface
    public interface Part {
        void run(int part, AtomicReference<Throwable> stop);
    }

    /**
     * Runs parts {@code 0 .. parts - 1} and returns when all are done. After a part fails, the parts not yet started
     * are skipped and the first failure is rethrown here (a RuntimeException or an Error as it is, anything else
     * wrapped in an IllegalStateException).
     *
     * @param pool        null, or where {@code helpers} helper tasks are started
     * @param interrupted what to throw when the calling thread is interrupted while waiting for helpers
     */
    public static void run(int parts, Executor pool, int helpers, Part part, Supplier<? extends RuntimeException> interrupted) {
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(parts);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable worker = () -> {
            for (int p; (p = next.getAndIncrement()) < parts; ) {
                try {
                    if (failure.get() == null) {
                        part.run(p, failure);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.countDown();
                }
            }
        };
        for (int i = 0; pool != null && i < helpers; i++) {
            try {
                pool.execute(worker);
            } catch (RejectedExecutionException shuttingDown) {
                break; // the calling thread runs the rest
            }
        }
        worker.run();
        try {
            done.await(); // parts taken by helpers
        } catch (InterruptedException e) {
            failure.compareAndSet(null, e);
            Thread.currentThread().interrupt();
            throw interrupted.get();
        }
        switch (failure.get()) {
            case null -> { }
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            case Throwable t -> throw new IllegalStateException(t);
        }
    }
}
