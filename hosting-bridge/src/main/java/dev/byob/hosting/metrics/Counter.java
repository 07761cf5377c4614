package dev.byob.hosting.metrics;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A monotonically increasing count. Without labels, use {@link #inc()}; with labels, {@link #labels(String...)}
 * gives the child for those values.
 */
public final class Counter extends Metric {
    private final Map<List<String>, Child> children = new ConcurrentHashMap<>();
    private final Child unlabelled;

    Counter(String name, String help, List<String> labelNames) {
        super(name, help, labelNames);
        if (!name.endsWith("_total")) {
            throw new IllegalArgumentException("a counter's name ends with _total: " + name);
        }
        this.unlabelled = labelNames.isEmpty() ? children.computeIfAbsent(List.of(), k -> new Child()) : null;
    }

    /** One counted series. */
    public static final class Child {
        private final LongAdder count = new LongAdder();

        private Child() {
        }

        /** Adds one. */
        public void inc() {
            count.increment();
        }

        /** Adds {@code n}, which must not be negative. */
        public void inc(long n) {
            if (n < 0) {
                throw new IllegalArgumentException("a counter only goes up");
            }
            count.add(n);
        }

        /** The current count. */
        public long value() {
            return count.sum();
        }
    }

    /** The series for these label values (created on first use). */
    public Child labels(String... values) {
        checkLabelValues(values);
        return children.computeIfAbsent(List.copyOf(Arrays.asList(values)), k -> new Child());
    }

    /** Adds one to the counter without labels. */
    public void inc() {
        unlabelled().inc();
    }

    /** Adds {@code n} to the counter without labels. */
    public void inc(long n) {
        unlabelled().inc(n);
    }

    /** The count of the counter without labels. */
    public long value() {
        return unlabelled().value();
    }

    private Child unlabelled() {
        if (unlabelled == null) {
            throw new IllegalStateException(name() + " has labels " + labelNames() + "; use labels(...)");
        }
        return unlabelled;
    }

    @Override
    String type() {
        return "counter";
    }

    @Override
    void writeSamples(StringBuilder out) {
        children.entrySet().stream()
                .sorted(Map.Entry.comparingByKey(MetricsRegistry.LABEL_ORDER))
                .forEach(e -> {
                    out.append(name());
                    appendLabels(out, labelNames(), e.getKey(), null, null);
                    out.append(' ').append(e.getValue().value()).append('\n');
                });
    }
}
