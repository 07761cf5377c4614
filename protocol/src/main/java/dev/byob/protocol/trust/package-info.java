/**
 * Trust records (one per hosting bridge, user and network, with epochs) and the {@link dev.byob.protocol.trust.TrustStore} that keeps them.
 */
package dev.byob.protocol.trust;
