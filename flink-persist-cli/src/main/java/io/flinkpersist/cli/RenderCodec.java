package io.flinkpersist.cli;

import io.flinkpersist.Codecs;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** How {@code persist dump} renders keys and values: the built-in codecs, for people. */
enum RenderCodec {
    /** UTF-8 text ({@code Codecs.string()}); bytes that are not UTF-8 fail with a hint. */
    STRING {
        @Override
        String render(byte[] bytes, String what) {
            try {
                return StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes))
                        .toString();
            } catch (CharacterCodingException e) {
                throw CliException.usage(
                        "Cannot render "
                                + what
                                + " as a string: its bytes are not UTF-8 (hex "
                                + Formats.hex(bytes)
                                + "); use --codec bytes");
            }
        }
    },
    /** Lower-case hex of the raw bytes ({@code Codecs.bytes()}). */
    BYTES {
        @Override
        String render(byte[] bytes, String what) {
            return Formats.hex(bytes);
        }
    },
    /** A signed long in the order-preserving 8-byte encoding ({@code Codecs.longOrdered()}). */
    LONG {
        @Override
        String render(byte[] bytes, String what) {
            if (bytes.length != 8) {
                throw CliException.usage(
                        "Cannot render "
                                + what
                                + " as a long: it has "
                                + bytes.length
                                + " bytes, not 8 (hex "
                                + Formats.hex(bytes)
                                + "); use --codec bytes or string");
            }
            return Long.toString(Codecs.longOrdered().decode(bytes));
        }
    };

    /** Renders {@code bytes}; {@code what} names them in an error ("key", "value"). */
    abstract String render(byte[] bytes, String what);
}
