package io.weir.engine.query.promql;

import java.util.Locale;

/** The aggregation operators; some take a parameter before the aggregated expression. */
public enum AggregateOp {
    SUM(null), MIN(null), MAX(null), AVG(null), GROUP(null), STDDEV(null), STDVAR(null), COUNT(null),
    COUNT_VALUES(ValueType.STRING), BOTTOMK(ValueType.SCALAR), TOPK(ValueType.SCALAR), QUANTILE(ValueType.SCALAR),
    LIMITK(ValueType.SCALAR), LIMIT_RATIO(ValueType.SCALAR);

    private final ValueType paramType;
    private final String promqlName;

    AggregateOp(ValueType paramType) {
        this.paramType = paramType;
        this.promqlName = name().toLowerCase(Locale.ROOT);
    }

    /** @return the parameter's type, or null when the operator takes none */
    public ValueType paramType() { return paramType; }

    public boolean hasParam() { return paramType != null; }

    public String promqlName() { return promqlName; }

    /** Aggregators are keywords, matched case-insensitively as Prometheus does. @return the operator or null */
    public static AggregateOp byName(String word) {
        String lower = word.toLowerCase(Locale.ROOT);
        for (AggregateOp op : values()) {
            if (op.promqlName.equals(lower)) {
                return op;
            }
        }
        return null;
    }
}
