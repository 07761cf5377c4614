/**
 * byob's protocol core for MSC3647 "Bring Your Own Bridge": sans-IO, with no threads, sockets or
 * clocks. Start with {@link dev.byob.protocol.hosting.HostingEngine} for a hosting bridge or
 * {@link dev.byob.protocol.visiting.VisitingHandshake} for a visiting bridge.
 */
package dev.byob.protocol;
