/**
 * Proof of a remote-network account: the {@link dev.byob.protocol.remote.RemoteProofMethod} a bridge author implements per network, and the IRC method.
 */
package dev.byob.protocol.remote;
