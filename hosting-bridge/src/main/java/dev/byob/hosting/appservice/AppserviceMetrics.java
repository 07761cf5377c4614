package dev.byob.hosting.appservice;

import dev.byob.hosting.metrics.Counter;
import dev.byob.hosting.metrics.Histogram;
import dev.byob.hosting.metrics.MetricsRegistry;
import java.util.Objects;

/** What the application-service API counts, registered in a {@link MetricsRegistry} and served at {@code /metrics}. */
public final class AppserviceMetrics {
    private final MetricsRegistry registry;
    private final Counter transactionsReceived;
    private final Counter transactionsDuplicate;
    private final Counter transactionsFailed;
    private final Counter eventsReceived;
    private final Counter authFailures;
    private final Counter userQueries;
    private final Counter pings;
    private final Histogram requestDuration;

    /** Registers the metrics in {@code registry}. */
    public AppserviceMetrics(MetricsRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        transactionsReceived = registry.counter("hosting_bridge_appservice_transactions_received_total",
                "Transactions pushed by the homeserver with a valid hs_token, repeats included.");
        transactionsDuplicate = registry.counter("hosting_bridge_appservice_transactions_duplicate_total",
                "Transactions whose id had been accepted before, answered without processing them again.");
        transactionsFailed = registry.counter("hosting_bridge_appservice_transactions_failed_total",
                "Transactions not accepted, by reason; the homeserver retries them.", "reason");
        eventsReceived = registry.counter("hosting_bridge_appservice_events_received_total",
                "Events in newly accepted transactions.");
        authFailures = registry.counter("hosting_bridge_appservice_auth_failures_total",
                "Requests refused for a missing or wrong hs_token.", "reason");
        userQueries = registry.counter("hosting_bridge_appservice_user_queries_total",
                "User queries from the homeserver, by answer.", "result");
        pings = registry.counter("hosting_bridge_appservice_pings_total", "Pings from the homeserver.");
        requestDuration = registry.histogram("hosting_bridge_http_request_duration_seconds",
                "Time from receiving a request to answering it, by route.", Histogram.LATENCY_SECONDS, "route");
    }

    /** The registry the metrics live in. */
    public MetricsRegistry registry() {
        return registry;
    }

    /** Transactions pushed with a valid token, repeats included. */
    public Counter transactionsReceived() {
        return transactionsReceived;
    }

    /** Transactions answered as repeats. */
    public Counter transactionsDuplicate() {
        return transactionsDuplicate;
    }

    /** Transactions not accepted, labelled {@code reason}: {@code bad_json}, {@code store}, {@code busy}. */
    public Counter transactionsFailed() {
        return transactionsFailed;
    }

    /** Events in newly accepted transactions. */
    public Counter eventsReceived() {
        return eventsReceived;
    }

    /** Refused requests, labelled {@code reason}: {@code missing_token} or {@code wrong_token}. */
    public Counter authFailures() {
        return authFailures;
    }

    /** User queries, labelled {@code result}: {@code exists} or {@code unknown}. */
    public Counter userQueries() {
        return userQueries;
    }

    /** Pings. */
    public Counter pings() {
        return pings;
    }

    /** Request latency in seconds, labelled {@code route}. */
    public Histogram requestDuration() {
        return requestDuration;
    }
}
