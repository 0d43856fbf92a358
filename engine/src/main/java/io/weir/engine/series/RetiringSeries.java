package io.weir.engine.series;

import java.util.Arrays;

/**
 * The series that expired but still keep their labels, oldest first: a FIFO of (id, retirement number, second
 * retired, log position at retirement). Retirements are appended in time and log order, so the entries that may be
 * freed are always a prefix. An entry whose id came back (or retired again later) is stale: the id's state no
 * longer names this retirement, and it is skipped. Used under the series table's creation lock only.
 */
final class RetiringSeries {
    private int[] ids = new int[64];
    private int[] seqs = new int[64];
    private int[] retiredSec = new int[64];
    private long[] positions = new long[64];
    private int head;
    private int tail;

    void add(int id, int seq, int sec, long position) {
        if (tail == ids.length) {
            int n = tail - head;
            if (head > 0 && n <= ids.length / 2) {
                // slide down instead of growing: a steady churn keeps the arrays at their working size
                System.arraycopy(ids, head, ids, 0, n);
                System.arraycopy(seqs, head, seqs, 0, n);
                System.arraycopy(retiredSec, head, retiredSec, 0, n);
                System.arraycopy(positions, head, positions, 0, n);
            } else {
                int cap = ids.length * 2;
                ids = Arrays.copyOfRange(ids, head, head + cap);
                seqs = Arrays.copyOfRange(seqs, head, head + cap);
                retiredSec = Arrays.copyOfRange(retiredSec, head, head + cap);
                positions = Arrays.copyOfRange(positions, head, head + cap);
            }
            head = 0;
            tail = n;
        }
        ids[tail] = id;
        seqs[tail] = seq;
        retiredSec[tail] = sec;
        positions[tail] = position;
        tail++;
    }

    boolean isEmpty() { return head == tail; }

    int size() { return tail - head; }

    int oldestId() { return ids[head]; }

    int oldestSeq() { return seqs[head]; }

    int oldestRetiredSec() { return retiredSec[head]; }

    long oldestPosition() { return positions[head]; }

    void removeOldest() {
        head++;
        if (head == tail) {
            head = 0;
            tail = 0;
        }
    }
}
