/**
 * Matrix canonical JSON: the one strict parser and the one byte-exact encoder used by every byob
 * component.
 *
 * <p>Everything signed or hashed in Matrix is computed over the canonical encoding of a JSON value
 * (see the Matrix specification, appendix "Canonical JSON"). {@link dev.byob.protocol.json.CanonicalJson}
 * produces those bytes and parses incoming JSON so strictly that anything it accepts can be
 * canonicalized again. Failures are reported as {@link dev.byob.protocol.json.CanonicalJsonException}
 * with a reason code and a JSON pointer to the offending value.
 */
package dev.byob.protocol.json;
