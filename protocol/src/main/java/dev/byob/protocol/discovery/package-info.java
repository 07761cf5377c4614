/**
 * Discovery of bridged rooms from MSC2346 bridge state events ({@code m.bridge}, {@code uk.half-shot.bridge}), refusing events not sent by the bridge bot they name.
 */
package dev.byob.protocol.discovery;
