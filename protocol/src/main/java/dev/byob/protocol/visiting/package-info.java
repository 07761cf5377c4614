/**
 * The visiting bridge's side: {@link dev.byob.protocol.visiting.VisitingHandshake}, a pure state machine per hosting bridge, user and network, from the request to trust, heartbeats and release.
 */
package dev.byob.protocol.visiting;
