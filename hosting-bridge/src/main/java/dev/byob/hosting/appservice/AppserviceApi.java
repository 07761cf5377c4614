package dev.byob.hosting.appservice;

import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * What every connection's {@link AppserviceHandler} shares: the token check, the sink and its intake executor,
 * the user query, readiness and metrics.
 *
 * @param tokenCheck checks the homeserver's token
 * @param sink receives transactions
 * @param intake runs transaction intake, one at a time in submission order; may reject when full
 * @param userExists answers user queries; called on the event loop, so it must not block
 * @param ready whether the bridge is ready to serve
 * @param metrics what is counted
 * @param recent the ids of recently accepted transactions
 */
record AppserviceApi(HsTokenCheck tokenCheck, TransactionSink sink, Executor intake, Predicate<String> userExists,
                     BooleanSupplier ready, AppserviceMetrics metrics, RecentTransactionIds recent) {
    AppserviceApi {
        Objects.requireNonNull(tokenCheck, "tokenCheck");
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(intake, "intake");
        Objects.requireNonNull(userExists, "userExists");
        Objects.requireNonNull(ready, "ready");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(recent, "recent");
    }
}
