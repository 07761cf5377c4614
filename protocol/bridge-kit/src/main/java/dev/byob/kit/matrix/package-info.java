/**
 * The Matrix client-server API for the bridges: {@link dev.byob.kit.matrix.MatrixClient}, a small
 * synchronous client used by an application service (with its {@code as_token}, acting as its ghosts
 * through {@link dev.byob.kit.matrix.MatrixClient#as}) or by a plain user (with the user's own
 * access token).
 *
 * <p>Failures are typed: {@link dev.byob.kit.matrix.MatrixException} when the homeserver answered
 * with an error (its {@link dev.byob.kit.matrix.ErrorCode}, HTTP status and retry-after),
 * {@link dev.byob.kit.matrix.MatrixNetworkException} when no usable answer arrived. Retries follow a
 * {@link dev.byob.kit.matrix.RetryPolicy}; transaction ids for idempotent sends come from
 * {@link dev.byob.kit.matrix.TxnIds}.
 */
package dev.byob.kit.matrix;
