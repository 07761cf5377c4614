package dev.byob.hosting.store;

import java.util.Locale;

/** The SQL databases the hosting bridge can keep its state in. */
public enum Dialect {
    /** SQLite, in a single file: the default, nothing to run beside the bridge. */
    SQLITE,
    /** PostgreSQL, for operators who already run one and back it up. */
    POSTGRESQL;

    /** The lower-case name, used for the folder of per-dialect migration variants. */
    public String folder() {
        return name().toLowerCase(Locale.ROOT);
    }
}
