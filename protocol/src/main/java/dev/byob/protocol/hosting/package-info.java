/**
 * The hosting bridge's side: {@link dev.byob.protocol.hosting.HostingEngine}, a sans-IO engine fed with {@link dev.byob.protocol.hosting.HostingInput}s that returns {@link dev.byob.protocol.hosting.HostingOutput}s, and its policy and fill-in log.
 */
package dev.byob.protocol.hosting;
