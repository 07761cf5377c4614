/**
 * The hosting bridge process: the {@code hosting-bridge} command line ({@link dev.byob.hosting.Main}) with
 * {@code generate-registration} and {@code run}, and the running {@link dev.byob.hosting.HostingBridge}.
 */
package dev.byob.hosting;
