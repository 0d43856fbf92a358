package io.weir.engine.series;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

import java.util.Collections;
import java.util.HashSet;
import java.util.Set;

/**
 * The regex of a {@code =~} or {@code !~} matcher with Prometheus 3 semantics: RE2 syntax, fully anchored
 * ({@code ^(?:re)$}), and '.' matches '\n'. Compiled with RE2/J, so matching time is linear in the value's length
 * whatever the pattern: no user regex can backtrack a query thread into minutes of CPU. Immutable, thread-safe.
 * <p>
 * Three shapes skip the automaton: {@code .+} (any non-empty value), an alternation of literals ({@code a|b|c}, punctuation may be escaped as Grafana
 * does, {@code 10\.0\.0\.1}) is set membership, and a literal followed by {@code .*} is a prefix test. The label
 * index uses the literal set to look postings up instead of scanning every value.
 * <p>
 * Limits beyond RE2's own syntax checks, because RE2/J lacks the ones Go's regexp has: groups nest at most
 * {@value #MAX_NESTING} deep (Go's limit; deeper overflows RE2/J's recursive compiler), the estimated program is at
 * most {@value #MAX_PROGRAM_SIZE} instructions (nested counted repeats such as {@code ((a{1000}){1000}){1000}}
 * would exhaust the heap), and a concatenation holds at most {@value #MAX_CONCATENATION} atoms outside a plain
 * literal (RE2/J's parser is quadratic in such runs).
 */
public final class LabelRegex {
    public static final int MAX_NESTING = 1000;
    public static final long MAX_PROGRAM_SIZE = 1_000_000;
    public static final int MAX_CONCATENATION = 8192;

    private final String source;
    private final Set<String> literals;
    private final String prefix;
    private final Pattern pattern;

    private LabelRegex(String source, Set<String> literals, String prefix, Pattern pattern) {
        this.source = source;
        this.literals = literals;
        this.prefix = prefix;
        this.pattern = pattern;
    }

    /** @throws InvalidRegexException when RE2 refuses the regex or it exceeds a limit */
    public static LabelRegex compile(String regex) {
        Set<String> literals = literalAlternatives(regex);
        if (literals != null) {
            return new LabelRegex(regex, literals, null, null);
        }
        if (regex.equals(".+")) {
            return new LabelRegex(regex, null, null, null); // any non-empty value: {__name__=~".+"} is common
        }
        if (regex.endsWith(".*")) {
            Set<String> head = literalAlternatives(regex.substring(0, regex.length() - 2));
            if (head != null && head.size() == 1 && regex.substring(0, regex.length() - 2).indexOf('|') < 0) {
                return new LabelRegex(regex, null, head.iterator().next(), null);
            }
        }
        checkLimits(regex);
        try {
            return new LabelRegex(regex, null, null, Pattern.compile("^(?s:" + regex + ")$"));
        } catch (PatternSyntaxException e) {
            throw new InvalidRegexException(e.getDescription(), e.getPattern());
        } catch (StackOverflowError e) {
            // checkLimits bounds nesting; this only catches a recursion it did not foresee
            throw new InvalidRegexException("expression nests too deeply", abbreviate(regex));
        }
    }

    public String source() { return source; }

    /** @return the values this regex matches exactly, when it is an alternation of literals; null otherwise */
    public Set<String> literals() { return literals; }

    public boolean matches(String value) {
        if (literals != null) {
            return literals.contains(value);
        }
        if (prefix != null) {
            return value.startsWith(prefix);
        }
        if (pattern == null) {
            return !value.isEmpty(); // ".+"
        }
        return pattern.matches(value);
    }

    /**
     * @return the alternatives of a regex made only of literal text, escaped ASCII punctuation and top-level '|'
     *         (e.g. {@code a|b\.c|}), whose anchored match is exactly set membership; null for any other syntax
     */
    static Set<String> literalAlternatives(String regex) {
        Set<String> literals = new HashSet<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\') {
                if (i + 1 == regex.length() || !isEscapablePunctuation(regex.charAt(i + 1))) {
                    return null;
                }
                current.append(regex.charAt(++i));
            } else if (c == '|') {
                literals.add(current.toString());
                current.setLength(0);
            } else if (".[]{}()*+?^$".indexOf(c) >= 0) {
                return null;
            } else {
                current.append(c);
            }
        }
        literals.add(current.toString());
        return Collections.unmodifiableSet(literals);
    }

    /** RE2: a backslash before ASCII punctuation stands for that character (before a letter or digit it is a class, an escape or an error). */
    private static boolean isEscapablePunctuation(char c) {
        return c < 0x80 && !Character.isLetterOrDigit(c) && c > ' ';
    }

    /**
     * Estimates nesting depth, program size and concatenation length by a scan of the syntax RE2 accepts: groups,
     * classes, escapes ({@code \Q...\E} included) and repeats. Close enough to refuse the shapes that hurt;
     * anything it misreads RE2/J still validates.
     */
    private static void checkLimits(String regex) {
        int n = regex.length();
        long[] total = new long[Math.min(n, MAX_NESTING) + 2];
        long[] lastAtom = new long[total.length];
        int[] run = new int[total.length];
        int depth = 0;
        int i = 0;
        while (i < n) {
            char c = regex.charAt(i);
            long atom = 1;
            switch (c) {
                case '\\' -> {
                    if (i + 1 < n && regex.charAt(i + 1) == 'Q') {
                        int end = regex.indexOf("\\E", i + 2);
                        end = end < 0 ? n : end;
                        atom = Math.max(1, end - (i + 2));
                        run[depth] += (int) Math.min(Integer.MAX_VALUE - run[depth], atom - 1);
                        i = Math.min(n, end + 2);
                    } else {
                        i += 2;
                        if (i < n && regex.charAt(i) == '{' && "pPx".indexOf(regex.charAt(i - 1)) >= 0) {
                            int close = regex.indexOf('}', i);
                            i = close < 0 ? n : close + 1;
                        }
                    }
                }
                case '[' -> i = skipClass(regex, i);
                case '(' -> {
                    if (++depth > MAX_NESTING) {
                        throw new InvalidRegexException("expression nests too deeply", abbreviate(regex));
                    }
                    total[depth] = 0;
                    lastAtom[depth] = 0;
                    run[depth] = 0;
                    i++;
                    continue;
                }
                case ')' -> {
                    i++;
                    if (depth == 0) {
                        continue; // RE2 reports the unbalanced paren
                    }
                    atom = total[depth] + 1;
                    depth--;
                }
                case '|' -> {
                    total[depth]++;
                    lastAtom[depth] = 0;
                    run[depth] = 0;
                    i++;
                    continue;
                }
                case '*', '+', '?' -> {
                    total[depth]++;
                    i++;
                    continue;
                }
                case '{' -> {
                    int close = regex.indexOf('}', i);
                    long max = close < 0 ? -1 : repeatMax(regex, i + 1, close);
                    if (max >= 0) {
                        long extra = saturatingMultiply(lastAtom[depth], Math.max(0, max - 1));
                        total[depth] = saturatingAdd(total[depth], extra + 1);
                        lastAtom[depth] = saturatingMultiply(lastAtom[depth], Math.max(1, max));
                        if (total[depth] > MAX_PROGRAM_SIZE) {
                            throw new InvalidRegexException("expression too large", abbreviate(regex));
                        }
                        i = close + 1;
                        continue;
                    }
                    i++; // a literal '{'
                }
                default -> i++;
            }
            total[depth] = saturatingAdd(total[depth], atom);
            lastAtom[depth] = atom;
            if (++run[depth] > MAX_CONCATENATION) {
                throw new InvalidRegexException("expression too large (more than " + MAX_CONCATENATION
                        + " consecutive atoms)", abbreviate(regex));
            }
            if (total[depth] > MAX_PROGRAM_SIZE) {
                throw new InvalidRegexException("expression too large", abbreviate(regex));
            }
        }
    }

    /** @return the index after the class opened at {@code start} */
    private static int skipClass(String regex, int start) {
        int n = regex.length();
        int i = start + 1;
        if (i < n && regex.charAt(i) == '^') {
            i++;
        }
        if (i < n && regex.charAt(i) == ']') {
            i++; // a leading ']' is literal
        }
        while (i < n) {
            char c = regex.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (c == '[' && i + 1 < n && regex.charAt(i + 1) == ':') {
                int close = regex.indexOf(":]", i + 2);
                i = close < 0 ? i + 1 : close + 2;
            } else if (c == ']') {
                return i + 1;
            } else {
                i++;
            }
        }
        return n;
    }

    /** @return the upper count of {@code {n}}, {@code {n,}} (counted as n+1) or {@code {n,m}}; -1 when not a repeat */
    private static long repeatMax(String regex, int from, int close) {
        String body = regex.substring(from, close);
        int comma = body.indexOf(',');
        String lo = comma < 0 ? body : body.substring(0, comma);
        String hi = comma < 0 ? lo : body.substring(comma + 1);
        if (!isCount(lo) || (!hi.isEmpty() && !isCount(hi))) {
            return -1;
        }
        long max = Long.parseLong(hi.isEmpty() ? lo : hi);
        return hi.isEmpty() && comma >= 0 ? max + 1 : max;
    }

    private static boolean isCount(String s) {
        if (s.isEmpty() || s.length() > 9) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static long saturatingAdd(long a, long b) {
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }

    private static long saturatingMultiply(long a, long b) {
        return b != 0 && a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
    }

    private static String abbreviate(String regex) {
        return regex.length() <= 64 ? regex : regex.substring(0, 64) + "...";
    }

    @Override
    public String toString() { return source; }
}
