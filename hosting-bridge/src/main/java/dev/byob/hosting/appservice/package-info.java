/**
 * The hosting bridge's Matrix application-service API on Netty: {@link
 * dev.byob.hosting.appservice.AppserviceServer} receives the homeserver's transactions into a {@link
 * dev.byob.hosting.appservice.TransactionSink}, answers user queries for its {@link
 * dev.byob.hosting.appservice.GhostNamespace} and pings, and serves health and Prometheus metrics.
 */
package dev.byob.hosting.appservice;
