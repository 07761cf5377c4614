package dev.byob.hosting.metrics;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * Observations counted into fixed buckets, with their sum and count, as Prometheus histograms are: the
 * exposition shows cumulative {@code _bucket} series ending with {@code le="+Inf"}.
 */
public final class Histogram extends Metric {
    /** Buckets for request latencies in seconds, from 1 ms to 10 s. */
    public static final List<Double> LATENCY_SECONDS =
            List.of(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0);

    private final double[] bounds;
    private final Map<List<String>, Child> children = new ConcurrentHashMap<>();
    private final Child unlabelled;

    Histogram(String name, String help, List<String> labelNames, List<Double> buckets) {
        super(name, help, labelNames);
        if (labelNames.contains("le")) {
            throw new IllegalArgumentException("a histogram cannot have a label named le");
        }
        if (buckets.isEmpty()) {
            throw new IllegalArgumentException("a histogram needs at least one bucket");
        }
        this.bounds = buckets.stream().mapToDouble(Double::doubleValue).toArray();
        for (int i = 1; i < bounds.length; i++) {
            if (!(bounds[i] > bounds[i - 1])) {
                throw new IllegalArgumentException("bucket bounds must increase: " + buckets);
            }
        }
        this.unlabelled = labelNames.isEmpty() ? children.computeIfAbsent(List.of(), k -> new Child(bounds.length))
                : null;
    }

    /** One observed series. */
    public final class Child {
        private final LongAdder[] buckets;
        private final LongAdder count = new LongAdder();
        private final DoubleAdder sum = new DoubleAdder();

        private Child(int size) {
            buckets = new LongAdder[size];
            for (int i = 0; i < size; i++) {
                buckets[i] = new LongAdder();
            }
        }

        /** Records one observation. */
        public void observe(double value) {
            for (int i = 0; i < bounds.length; i++) {
                if (value <= bounds[i]) {
                    buckets[i].increment();
                    break;
                }
            }
            count.increment();
            sum.add(value);
        }

        /** How many observations were made. */
        public long count() {
            return count.sum();
        }

        /** The sum of all observations. */
        public double sum() {
            return sum.sum();
        }
    }

    /** The series for these label values (created on first use). */
    public Child labels(String... values) {
        checkLabelValues(values);
        return children.computeIfAbsent(List.copyOf(Arrays.asList(values)), k -> new Child(bounds.length));
    }

    /** Records one observation in the histogram without labels. */
    public void observe(double value) {
        if (unlabelled == null) {
            throw new IllegalStateException(name() + " has labels " + labelNames() + "; use labels(...)");
        }
        unlabelled.observe(value);
    }

    @Override
    String type() {
        return "histogram";
    }

    @Override
    void writeSamples(StringBuilder out) {
        children.entrySet().stream()
                .sorted(Map.Entry.comparingByKey(MetricsRegistry.LABEL_ORDER))
                .forEach(e -> {
                    List<String> values = e.getKey();
                    Child child = e.getValue();
                    long cumulative = 0;
                    for (int i = 0; i < bounds.length; i++) {
                        cumulative += child.buckets[i].sum();
                        out.append(name()).append("_bucket");
                        appendLabels(out, labelNames(), values, "le", formatValue(bounds[i]));
                        out.append(' ').append(cumulative).append('\n');
                    }
                    long count = child.count();
                    out.append(name()).append("_bucket");
                    appendLabels(out, labelNames(), values, "le", "+Inf");
                    out.append(' ').append(Math.max(count, cumulative)).append('\n');
                    out.append(name()).append("_sum");
                    appendLabels(out, labelNames(), values, null, null);
                    out.append(' ').append(formatValue(child.sum())).append('\n');
                    out.append(name()).append("_count");
                    appendLabels(out, labelNames(), values, null, null);
                    out.append(' ').append(count).append('\n');
                });
    }
}
