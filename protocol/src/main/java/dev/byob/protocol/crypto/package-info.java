/**
 * Ed25519 keys and the Matrix "Signing JSON" algorithm.
 *
 * <p>A bridge holds a {@link dev.byob.protocol.crypto.SigningKey} (persisted as its base64 seed),
 * publishes its {@link dev.byob.protocol.crypto.VerifyKey}, and signs protocol objects with
 * {@link dev.byob.protocol.crypto.JsonSigning#sign}. Received objects are checked with
 * {@link dev.byob.protocol.crypto.JsonSigning#verify}, which returns normally only for a valid
 * signature and otherwise throws {@link dev.byob.protocol.crypto.SignatureVerificationException} with a
 * reason. Binary values travel as unpadded base64 ({@link dev.byob.protocol.crypto.Base64Unpadded}).
 */
package dev.byob.protocol.crypto;
