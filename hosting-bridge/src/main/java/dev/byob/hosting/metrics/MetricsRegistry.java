package dev.byob.hosting.metrics;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The metric families of one process, written out in the Prometheus text exposition format
 * ({@link #CONTENT_TYPE}) by {@link #scrape()}.
 */
public final class MetricsRegistry {
    /** The content type of {@link #scrape()}'s output. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    static final Comparator<List<String>> LABEL_ORDER = (a, b) -> {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    };

    private final Map<String, Metric> metrics = new ConcurrentSkipListMap<>();

    /** Registers a counter; its name must end with {@code _total}. */
    public Counter counter(String name, String help, String... labelNames) {
        return register(new Counter(name, help, List.of(labelNames)));
    }

    /** Registers a histogram with these bucket upper bounds (increasing; {@code +Inf} is implied). */
    public Histogram histogram(String name, String help, List<Double> buckets, String... labelNames) {
        return register(new Histogram(name, help, List.of(labelNames), buckets));
    }

    private <M extends Metric> M register(M metric) {
        if (metrics.putIfAbsent(metric.name(), metric) != null) {
            throw new IllegalArgumentException("a metric named " + metric.name() + " is already registered");
        }
        return metric;
    }

    /** Every family, sorted by name, with HELP and TYPE lines, in the text exposition format. */
    public String scrape() {
        StringBuilder out = new StringBuilder(1024);
        for (Metric metric : metrics.values()) {
            out.append("# HELP ").append(metric.name()).append(' ');
            Metric.escapeHelp(out, metric.help());
            out.append('\n');
            out.append("# TYPE ").append(metric.name()).append(' ').append(metric.type()).append('\n');
            metric.writeSamples(out);
        }
        return out.toString();
    }
}
