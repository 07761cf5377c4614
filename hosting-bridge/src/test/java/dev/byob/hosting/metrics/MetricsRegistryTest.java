package dev.byob.hosting.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MetricsRegistryTest {

    @Test
    void scrape_counterWithoutLabels_writesHelpTypeAndValue() {
        MetricsRegistry registry = new MetricsRegistry();
        Counter counter = registry.counter("things_total", "Things seen.");
        counter.inc();
        counter.inc(4);

        assertEquals("# HELP things_total Things seen.\n# TYPE things_total counter\nthings_total 5\n",
                registry.scrape());
        assertEquals(5, counter.value());
    }

    @Test
    void scrape_labelledCounter_writesOneSortedLinePerSeriesWithEscapedValues() {
        MetricsRegistry registry = new MetricsRegistry();
        Counter counter = registry.counter("auth_failures_total", "Refused requests.", "reason");
        counter.labels("wrong").inc();
        counter.labels("missing \"token\"\n\\").inc(2);

        assertEquals("# HELP auth_failures_total Refused requests.\n"
                + "# TYPE auth_failures_total counter\n"
                + "auth_failures_total{reason=\"missing \\\"token\\\"\\n\\\\\"} 2\n"
                + "auth_failures_total{reason=\"wrong\"} 1\n", registry.scrape());
    }

    @Test
    void scrape_histogram_writesCumulativeBucketsInfSumAndCount() {
        MetricsRegistry registry = new MetricsRegistry();
        Histogram histogram = registry.histogram("latency_seconds", "Latency.", List.of(0.1, 1.0), "route");
        histogram.labels("ping").observe(0.05);
        histogram.labels("ping").observe(0.5);
        histogram.labels("ping").observe(3);

        assertEquals("# HELP latency_seconds Latency.\n"
                + "# TYPE latency_seconds histogram\n"
                + "latency_seconds_bucket{route=\"ping\",le=\"0.1\"} 1\n"
                + "latency_seconds_bucket{route=\"ping\",le=\"1\"} 2\n"
                + "latency_seconds_bucket{route=\"ping\",le=\"+Inf\"} 3\n"
                + "latency_seconds_sum{route=\"ping\"} 3.55\n"
                + "latency_seconds_count{route=\"ping\"} 3\n", registry.scrape());
    }

    @Test
    void scrape_histogramWithoutLabels_hasOnlyTheLeLabel() {
        MetricsRegistry registry = new MetricsRegistry();
        registry.histogram("h_seconds", "H.", List.of(1.0)).observe(2);

        String text = registry.scrape();
        assertTrue(text.contains("h_seconds_bucket{le=\"1\"} 0\n"), text);
        assertTrue(text.contains("h_seconds_bucket{le=\"+Inf\"} 1\n"), text);
        assertTrue(text.contains("h_seconds_sum 2\n"), text);
    }

    @Test
    void scrape_severalFamilies_sortedByNameAndHelpEscaped() {
        MetricsRegistry registry = new MetricsRegistry();
        registry.counter("b_total", "second");
        registry.counter("a_total", "first line\nsecond \\ line");

        String text = registry.scrape();
        assertTrue(text.startsWith("# HELP a_total first line\\nsecond \\\\ line\n"), text);
        assertTrue(text.indexOf("a_total 0") < text.indexOf("b_total 0"), text);
    }

    @Test
    void register_invalidOrDuplicateNames_areRefused() {
        MetricsRegistry registry = new MetricsRegistry();
        registry.counter("x_total", "x");
        assertThrows(IllegalArgumentException.class, () -> registry.counter("x_total", "again"));
        assertThrows(IllegalArgumentException.class, () -> registry.counter("no_suffix", "x"));
        assertThrows(IllegalArgumentException.class, () -> registry.counter("bad-name_total", "x"));
        assertThrows(IllegalArgumentException.class, () -> registry.counter("y_total", "x", "__reserved"));
        assertThrows(IllegalArgumentException.class, () -> registry.histogram("h", "x", List.of(1.0), "le"));
        assertThrows(IllegalArgumentException.class, () -> registry.histogram("h", "x", List.of(2.0, 1.0)));
    }

    @Test
    void labels_wrongNumberOfValues_isRefused() {
        Counter counter = new MetricsRegistry().counter("c_total", "c", "a", "b");
        assertThrows(IllegalArgumentException.class, () -> counter.labels("only one"));
        assertThrows(IllegalStateException.class, counter::inc);
    }

    @Test
    void inc_fromManyThreads_losesNothing() throws InterruptedException {
        Counter counter = new MetricsRegistry().counter("c_total", "c");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        for (int t = 0; t < 4; t++) {
            pool.execute(() -> {
                for (int i = 0; i < 10_000; i++) {
                    counter.inc();
                }
            });
        }
        pool.shutdown();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        assertEquals(40_000, counter.value());
    }
}
