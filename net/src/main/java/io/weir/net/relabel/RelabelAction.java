package io.weir.net.relabel;

import java.util.Locale;

/** Prometheus relabel actions (config name in lower case). */
public enum RelabelAction {
    REPLACE, KEEP, DROP, KEEPEQUAL, DROPEQUAL, HASHMOD, LABELMAP, LABELDROP, LABELKEEP, LOWERCASE, UPPERCASE;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return the action, or null for an unknown name */
    public static RelabelAction byConfigName(String name) {
        for (RelabelAction a : values()) {
            if (a.configName().equals(name)) {
                return a;
            }
        }
        return null;
    }
}
