/**
 * A small metrics registry exposed in the Prometheus text format (version 0.0.4): {@link
 * dev.byob.hosting.metrics.Counter}s and {@link dev.byob.hosting.metrics.Histogram}s, optionally with
 * labels, registered in a {@link dev.byob.hosting.metrics.MetricsRegistry}. Thread-safe and allocation-light,
 * so updates may happen on an event loop.
 */
package dev.byob.hosting.metrics;
