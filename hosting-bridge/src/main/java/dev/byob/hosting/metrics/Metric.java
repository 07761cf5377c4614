package dev.byob.hosting.metrics;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/** What every metric family has: a name, a help text, label names and a way to write itself out. */
public abstract sealed class Metric permits Counter, Histogram {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private final String name;
    private final String help;
    private final List<String> labelNames;

    Metric(String name, String help, List<String> labelNames) {
        if (!NAME.matcher(Objects.requireNonNull(name, "name")).matches()) {
            throw new IllegalArgumentException("not a metric name: " + name);
        }
        for (String label : labelNames) {
            if (!LABEL.matcher(label).matches() || label.startsWith("__")) {
                throw new IllegalArgumentException("not a label name: " + label);
            }
        }
        this.name = name;
        this.help = Objects.requireNonNull(help, "help");
        this.labelNames = List.copyOf(labelNames);
    }

    /** The family's name, e.g. {@code hosting_bridge_transactions_received_total}. */
    public String name() {
        return name;
    }

    /** The help line. */
    public String help() {
        return help;
    }

    /** The label names, in order. */
    public List<String> labelNames() {
        return labelNames;
    }

    /** The Prometheus type: {@code counter} or {@code histogram}. */
    abstract String type();

    /** Appends the samples (without HELP and TYPE lines). */
    abstract void writeSamples(StringBuilder out);

    void checkLabelValues(String[] values) {
        if (values.length != labelNames.size()) {
            throw new IllegalArgumentException(name + " has labels " + labelNames + ", got " + values.length
                    + " values");
        }
        for (String value : values) {
            Objects.requireNonNull(value, "label value");
        }
    }

    /** {@code {a="x",b="y"}} for the label values, with {@code extra} appended; empty if no labels at all. */
    static void appendLabels(StringBuilder out, List<String> names, List<String> values, String extraName,
                             String extraValue) {
        if (names.isEmpty() && extraName == null) {
            return;
        }
        out.append('{');
        for (int i = 0; i < names.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(names.get(i)).append("=\"");
            escapeLabelValue(out, values.get(i));
            out.append('"');
        }
        if (extraName != null) {
            if (!names.isEmpty()) {
                out.append(',');
            }
            out.append(extraName).append("=\"");
            escapeLabelValue(out, extraValue);
            out.append('"');
        }
        out.append('}');
    }

    static void escapeLabelValue(StringBuilder out, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
    }

    static void escapeHelp(StringBuilder out, String help) {
        for (int i = 0; i < help.length(); i++) {
            char c = help.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
    }

    /** A sample value as Prometheus writes it: integers without a fraction, {@code +Inf}, {@code NaN}. */
    static String formatValue(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "+Inf" : "-Inf";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return Double.toString(value);
    }
}
