package dev.byob.hosting.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A schema's history: SQL scripts {@code V1__name.sql}, {@code V2__name.sql}, ... under one resource
 * folder, applied in order by {@link Database}, each in its own transaction together with its row in
 * {@code schema_version}. A script in the dialect's subfolder ({@code postgresql/V3__name.sql}) replaces
 * the shared one for that dialect only; most scripts need none.
 *
 * <p>Scripts are listed here rather than discovered, because a classpath folder cannot be listed
 * reliably inside a jar. Statements end with {@code ;}; {@code --} starts a comment.
 */
final class Migrations {
    private static final Pattern SCRIPT = Pattern.compile("V([1-9][0-9]*)__([a-z0-9_]+)");

    /** The hosting bridge's schema. Append new scripts; never edit or renumber one that was released. */
    static final Migrations HOSTING_BRIDGE = of("db/migration",
            "V1__trust",
            "V2__fill_in",
            "V3__appservice_transactions",
            "V4__rooms",
            "V5__pending_events",
            "V6__hosting_journal",
            "V7__pending_message_log",
            "V8__pending_transactions");

    /** One script: its version, its name and where it lives. */
    record Migration(int version, String name, String folder) {
        /** The script's file name without the folder. */
        String fileName() {
            return "V" + version + "__" + name + ".sql";
        }

        /** The statements of this script for {@code dialect}: the dialect's variant when there is one. */
        List<String> statements(Dialect dialect) {
            ClassLoader loader = Migrations.class.getClassLoader();
            URL variant = loader.getResource(folder + "/" + dialect.folder() + "/" + fileName());
            URL shared = loader.getResource(folder + "/" + fileName());
            URL url = variant != null ? variant : shared;
            if (url == null) {
                throw new StoreException(StoreException.Code.MIGRATION_FAILED,
                        "migration " + folder + "/" + fileName() + " is missing from the classpath");
            }
            try (InputStream in = url.openStream()) {
                return split(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new StoreException(StoreException.Code.MIGRATION_FAILED, "cannot read migration " + url, e);
            }
        }
    }

    private final List<Migration> all;

    private Migrations(List<Migration> all) {
        this.all = List.copyOf(all);
    }

    /**
     * The scripts named {@code scripts} (without {@code .sql}) under the resource folder {@code folder}.
     *
     * @throws IllegalArgumentException unless they are numbered 1, 2, 3, ... in order
     */
    static Migrations of(String folder, String... scripts) {
        Objects.requireNonNull(folder, "folder");
        List<Migration> list = new ArrayList<>();
        for (String script : scripts) {
            Matcher m = SCRIPT.matcher(script);
            if (!m.matches()) {
                throw new IllegalArgumentException("a migration is named V<number>__<lower_case_name>, got " + script);
            }
            int version = Integer.parseInt(m.group(1));
            if (version != list.size() + 1) {
                throw new IllegalArgumentException("migration " + script + " should be version " + (list.size() + 1));
            }
            list.add(new Migration(version, m.group(2), folder));
        }
        return new Migrations(list);
    }

    /** Every script, in order. */
    List<Migration> all() {
        return all;
    }

    /** The version the schema has once every script ran; 0 when there are none. */
    int latestVersion() {
        return all.size();
    }

    /**
     * Splits a script into statements at each {@code ;} outside quotes, leaving out {@code --} comments
     * and empty statements.
     */
    static List<String> split(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < script.length(); i++) {
            char c = script.charAt(i);
            if (quote != 0) {
                current.append(c);
                if (c == quote) {
                    quote = 0; // a doubled quote closes and reopens: the same text results
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                current.append(c);
            } else if (c == '-' && i + 1 < script.length() && script.charAt(i + 1) == '-') {
                while (i < script.length() && script.charAt(i) != '\n') {
                    i++;
                }
                current.append('\n');
            } else if (c == ';') {
                add(statements, current);
            } else {
                current.append(c);
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("a migration script ends inside a quoted string");
        }
        add(statements, current);
        return statements;
    }

    private static void add(List<String> statements, StringBuilder current) {
        String statement = current.toString().strip();
        if (!statement.isEmpty()) {
            statements.add(statement);
        }
        current.setLength(0);
    }
}
