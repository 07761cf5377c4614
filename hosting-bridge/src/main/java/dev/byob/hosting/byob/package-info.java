/**
 * The hosting bridge's side of byob as a component the bridge core drives: {@link
 * dev.byob.hosting.byob.ByobCoordinator} owns the protocol's {@code HostingEngine}, feeds it what the core
 * sees (DM events, proofs, private messages to the IRC bot, the user's own messages), answers the core's
 * {@link dev.byob.hosting.bridge.RelayGate} questions from it, and carries its outputs out through a
 * {@link dev.byob.hosting.byob.ByobTransport} (Matrix) and {@link dev.byob.hosting.bridge.BridgeActions} (the core).
 */
package dev.byob.hosting.byob;
