package io.weir.engine.sketch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ShareTest {
    @Test
    void fractionsAndDecimalsAreTheSameExactShare() {
        assertEquals(new Share(1, 8), Share.parse("1/8"));
        assertEquals(new Share(1, 8), Share.parse(" 0.125 "));
        assertEquals(new Share(1, 8), Share.parse("2/16"));
        assertEquals(new Share(139, 5000), Share.parse("0.0278"));
        assertEquals(Share.WHOLE, Share.parse("1"));
        assertEquals(Share.WHOLE, Share.parse("1.000"));
        assertEquals("1/36", Share.parse("1/36").toString());
        assertEquals("1", Share.WHOLE.toString());
        assertEquals(new Share(1, Share.MAX_DENOMINATOR), Share.parse("0.000000001"));
    }

    @Test
    void appliesAsTheIntegerArithmeticItReplaces() {
        SplittableRandom rnd = new SplittableRandom(1);
        Share eighth = new Share(1, 8);
        Share share36 = new Share(1, 36);
        Share fine = new Share(999_999_999, Share.MAX_DENOMINATOR);
        for (int i = 0; i < 100_000; i++) {
            long a = i < 1000 ? i : rnd.nextLong(0, Long.MAX_VALUE);
            assertEquals(a >>> 3, eighth.of(a));
            assertEquals(a / 36, share36.of(a));
            // floor(a * n / d) without overflow, checked in 128 bits
            assertEquals(java.math.BigInteger.valueOf(a).multiply(java.math.BigInteger.valueOf(999_999_999))
                .divide(java.math.BigInteger.valueOf(Share.MAX_DENOMINATOR)).longValueExact(), fine.of(a));
        }
        assertTrue(new Share(1, 36).atMost(new Share(1, 2)));
        assertTrue(new Share(1, 2).atMost(new Share(2, 4)));
        assertFalse(new Share(3, 5).atMost(new Share(1, 2)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "0/8", "-1/8", "9/8", "1.5", "-0.1", "1/0", "0.0000000001", "1/2000000000", "x", "1/", "", "1e-3x"})
    void rejectsWhatIsNotAShareInZeroToOne(String text) {
        assertThrows(IllegalArgumentException.class, () -> Share.parse(text));
    }
}
