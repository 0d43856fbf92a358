package io.weir.engine.query.promqltest;

import io.weir.engine.query.Durations;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A promqltest file read into its commands: {@code load <step>} (and {@code load_with_nhcb}), {@code clear}, and
 * {@code eval[_fail|_warn|_info|_ordered] instant at <t> <expr>} / {@code eval[_...] range from <a> to <b> step <s>
 * <expr>} with their expected lines ({@code expect fail|ordered|warn|...}, {@code expected_fail_message|regexp},
 * a bare number for a scalar, series notation otherwise). Comments and blank lines end a block, as in Prometheus.
 */
final class PromqlTestScript {
    private static final Pattern LOAD = Pattern.compile("^load(?:_with_nhcb)?\\s+(\\S+)$");
    private static final Pattern EVAL_INSTANT = Pattern.compile("^eval(?:_(fail|warn|ordered|info))?\\s+instant\\s+(?:at\\s+(.+?))?\\s+(.+)$");
    private static final Pattern EVAL_RANGE = Pattern.compile("^eval(?:_(fail|warn|info))?\\s+range\\s+from\\s+(.+)\\s+to\\s+(.+)\\s+step\\s+(.+?)\\s+(.+)$");

    sealed interface Command permits Load, Clear, Eval {
    }

    record Load(long stepMillis, List<SeriesNotation.Series> series) implements Command {
    }

    record Clear() implements Command {
    }

    /**
     * @param step      0 for an instant evaluation at {@code start}
     * @param scalar    the expected scalar (a bare number line), null when series are expected
     * @param expected  expected series (labels with the name, values per step)
     */
    record Eval(int line, String expr, long start, long end, long step, boolean fail, boolean ordered,
                Double scalar, List<SeriesNotation.Series> expected) implements Command {
        boolean instant() {
            return step == 0;
        }
    }

    final List<Command> commands = new ArrayList<>();

    /** Prometheus' model.ParseDuration: its syntax, plus a bare "0". */
    static long duration(String text) {
        return text.equals("0") ? 0 : Durations.parseMillis(text);
    }

    static PromqlTestScript parse(String text) {
        PromqlTestScript script = new PromqlTestScript();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            lines[i] = lines[i].strip();
            if (lines[i].startsWith("#")) {
                lines[i] = "";
            }
        }
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i];
            if (l.isEmpty()) {
                continue;
            }
            String first = l.split("\\s+", 2)[0].toLowerCase();
            if (first.equals("clear")) {
                script.commands.add(new Clear());
            } else if (first.startsWith("load")) {
                Matcher m = LOAD.matcher(l);
                if (!m.matches()) {
                    throw new IllegalArgumentException("line " + (i + 1) + ": bad load: " + l);
                }
                List<SeriesNotation.Series> series = new ArrayList<>();
                while (i + 1 < lines.length && !lines[i + 1].isEmpty()) {
                    series.add(SeriesNotation.parse(lines[++i]));
                }
                script.commands.add(new Load(duration(m.group(1)), series));
            } else if (first.startsWith("eval")) {
                i = script.eval(lines, i);
            } else {
                throw new IllegalArgumentException("line " + (i + 1) + ": unknown command: " + l);
            }
        }
        return script;
    }

    private int eval(String[] lines, int i) {
        String l = lines[i];
        Matcher inst = EVAL_INSTANT.matcher(l);
        Matcher range = EVAL_RANGE.matcher(l);
        String mod;
        String expr;
        long start;
        long end;
        long step = 0;
        if (inst.matches()) {
            mod = inst.group(1);
            start = inst.group(2) == null ? 0 : duration(inst.group(2));
            end = start;
            expr = inst.group(3);
        } else if (range.matches()) {
            mod = range.group(1);
            start = duration(range.group(2));
            end = duration(range.group(3));
            step = duration(range.group(4));
            expr = range.group(5);
        } else {
            throw new IllegalArgumentException("line " + (i + 1) + ": bad eval: " + l);
        }
        int line = i + 1;
        boolean fail = "fail".equals(mod);
        boolean ordered = "ordered".equals(mod);
        Double scalar = null;
        List<SeriesNotation.Series> expected = new ArrayList<>();
        while (i + 1 < lines.length && !lines[i + 1].isEmpty()) {
            String d = lines[++i];
            if (d.startsWith("expected_fail_")) {
                continue;
            }
            if (d.split("\\s+")[0].equals("expect")) {
                String kind = d.split("\\s+")[1];
                fail |= kind.equals("fail");
                ordered |= kind.equals("ordered");
                continue;
            }
            try {
                scalar = SeriesNotation.number(d);
                continue;
            } catch (NumberFormatException notANumber) {
                // a series line
            }
            expected.add(SeriesNotation.parse(d));
        }
        commands.add(new Eval(line, expr, start, end, step, fail, ordered, scalar, expected));
        return i;
    }
}
