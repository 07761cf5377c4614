package dev.byob.protocol.remote.irc;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Splits the bytes an IRC server sends into lines, without any I/O: feed it what was read, in order,
 * and take the complete lines it returns.
 *
 * <ul>
 *   <li>CR, LF and CR LF all end a line; empty lines are skipped.</li>
 *   <li>Each line is decoded as UTF-8, or, if it is not valid UTF-8, as Latin-1, so that a line from
 *       an old client in another encoding still arrives readable instead of with replacement
 *       characters.</li>
 *   <li>A line longer than the limit (by default {@link IrcMessage#MAX_LINE_BYTES}, the longest valid
 *       line) is dropped whole, up to its line ending, and counted in {@link #droppedLines()}; the
 *       buffer never grows beyond the limit.</li>
 * </ul>
 *
 * <p>Not thread-safe: one decoder per connection, fed from one thread at a time.
 */
public final class IrcLineDecoder {
    private final int maxLineBytes;
    private byte[] buffer = new byte[512];
    private int length;
    private boolean dropping;
    private long droppedLines;

    /** A decoder accepting lines up to {@link IrcMessage#MAX_LINE_BYTES} bytes. */
    public IrcLineDecoder() {
        this(IrcMessage.MAX_LINE_BYTES);
    }

    /** A decoder accepting lines up to {@code maxLineBytes} bytes, excluding the line ending. */
    public IrcLineDecoder(int maxLineBytes) {
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes must be positive, was " + maxLineBytes);
        }
        this.maxLineBytes = maxLineBytes;
    }

    /** Feeds bytes read from the connection; returns the lines they complete, in order. */
    public List<String> feed(byte[] bytes) {
        return feed(bytes, 0, bytes.length);
    }

    /** Feeds {@code length} bytes from {@code offset}; returns the lines they complete, in order. */
    public List<String> feed(byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        List<String> lines = new ArrayList<>();
        for (int i = offset; i < offset + length; i++) {
            byte b = bytes[i];
            if (b == '\r' || b == '\n') {
                if (dropping) {
                    dropping = false;
                    droppedLines++;
                } else if (this.length > 0) {
                    lines.add(decode(buffer, 0, this.length));
                }
                this.length = 0;
                continue;
            }
            if (dropping) {
                continue;
            }
            if (this.length == maxLineBytes) {
                dropping = true;
                this.length = 0;
                continue;
            }
            if (this.length == buffer.length) {
                buffer = Arrays.copyOf(buffer, Math.min(maxLineBytes, buffer.length * 2));
            }
            buffer[this.length++] = b;
        }
        return lines;
    }

    /** How many bytes of an unfinished line are waiting for its line ending. */
    public int pendingBytes() {
        return length;
    }

    /** How many lines were dropped for being longer than the limit. */
    public long droppedLines() {
        return droppedLines;
    }

    /** The longest line accepted, in bytes, excluding the line ending. */
    public int maxLineBytes() {
        return maxLineBytes;
    }

    /** Decodes one line's bytes: UTF-8 if they are valid UTF-8, otherwise Latin-1. */
    public static String decode(byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return utf8.decode(ByteBuffer.wrap(bytes, offset, length)).toString();
        } catch (CharacterCodingException e) {
            return new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
        }
    }

    /** Decodes one line's bytes: UTF-8 if they are valid UTF-8, otherwise Latin-1. */
    public static String decode(byte[] bytes) {
        return decode(bytes, 0, bytes.length);
    }
}
