/**
 * The byob wire messages ({@code org.matrix.msc3647.*} events) as immutable records under the sealed {@link dev.byob.protocol.message.ByobMessage}, with the strict {@link dev.byob.protocol.message.MessageCodec} and the signing of visiting-bridge messages ({@link dev.byob.protocol.message.SignedContent}).
 */
package dev.byob.protocol.message;
