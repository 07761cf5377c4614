package dev.byob.protocol.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.message.DecodeException.Code;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** Strict, typed reads from one JSON object, each failure naming its JSON pointer. */
final class ContentReader {
    private final ObjectNode node;
    private final String pointer;

    ContentReader(ObjectNode node, String pointer) {
        this.node = node;
        this.pointer = pointer;
    }

    String pointer(String field) {
        return pointer + "/" + field.replace("~", "~0").replace("/", "~1");
    }

    private JsonNode required(String field) throws DecodeException {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new DecodeException(Code.MISSING_FIELD, pointer(field), "required field is missing");
        }
        return value;
    }

    String string(String field, int min, int max) throws DecodeException {
        JsonNode value = required(field);
        return checkString(value, pointer(field), min, max);
    }

    Optional<String> optionalString(String field, int min, int max) throws DecodeException {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        return Optional.of(checkString(value, pointer(field), min, max));
    }

    private static String checkString(JsonNode value, String at, int min, int max) throws DecodeException {
        if (!value.isTextual()) {
            throw new DecodeException(Code.WRONG_TYPE, at, "must be a string");
        }
        String text = value.textValue();
        // Lengths are in code points, as in the specification, not UTF-16 units.
        int length = text.codePointCount(0, text.length());
        if (length < min || length > max) {
            throw new DecodeException(Code.OUT_OF_RANGE, at, "must be " + min + " to " + max + " characters");
        }
        return text;
    }

    /** A string parsed by a validating factory; its {@link IllegalArgumentException} becomes INVALID_FORMAT. */
    <T> T parsed(String field, Function<String, T> factory) throws DecodeException {
        return parse(string(field, 0, 65_536), pointer(field), factory);
    }

    <T> Optional<T> optionalParsed(String field, Function<String, T> factory) throws DecodeException {
        Optional<String> text = optionalString(field, 0, 65_536);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(parse(text.get(), pointer(field), factory));
    }

    static <T> T parse(String text, String at, Function<String, T> factory) throws DecodeException {
        try {
            return factory.apply(text);
        } catch (IllegalArgumentException e) {
            throw new DecodeException(Code.INVALID_FORMAT, at, e.getMessage(), e);
        }
    }

    long integer(String field, long min, long max) throws DecodeException {
        JsonNode value = required(field);
        String at = pointer(field);
        if (!value.isIntegralNumber()) {
            throw new DecodeException(Code.WRONG_TYPE, at, value.isNumber() ? "must be an integer, not a float" : "must be an integer");
        }
        if (!value.canConvertToLong() || value.longValue() < min || value.longValue() > max) {
            throw new DecodeException(Code.OUT_OF_RANGE, at, "must be between " + min + " and " + max);
        }
        return value.longValue();
    }

    boolean bool(String field) throws DecodeException {
        JsonNode value = required(field);
        if (!value.isBoolean()) {
            throw new DecodeException(Code.WRONG_TYPE, pointer(field), "must be true or false");
        }
        return value.booleanValue();
    }

    ContentReader object(String field) throws DecodeException {
        JsonNode value = required(field);
        if (!value.isObject()) {
            throw new DecodeException(Code.WRONG_TYPE, pointer(field), "must be an object");
        }
        return new ContentReader((ObjectNode) value, pointer(field));
    }

    Optional<ContentReader> optionalObject(String field) throws DecodeException {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        return Optional.of(object(field));
    }

    List<String> strings(String field, int minItems, int maxItems, int maxLength) throws DecodeException {
        JsonNode value = required(field);
        String at = pointer(field);
        if (!value.isArray()) {
            throw new DecodeException(Code.WRONG_TYPE, at, "must be an array");
        }
        if (value.size() < minItems || value.size() > maxItems) {
            throw new DecodeException(Code.OUT_OF_RANGE, at, "must have " + minItems + " to " + maxItems + " entries");
        }
        List<String> out = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            String item = checkString(value.get(i), at + "/" + i, 1, maxLength);
            if (out.contains(item)) {
                throw new DecodeException(Code.INVALID_FORMAT, at + "/" + i, "duplicate entry '" + item + "'");
            }
            out.add(item);
        }
        return out;
    }

    List<ContentReader> objects(String field, int maxItems) throws DecodeException {
        JsonNode value = required(field);
        String at = pointer(field);
        if (!value.isArray()) {
            throw new DecodeException(Code.WRONG_TYPE, at, "must be an array");
        }
        if (value.size() > maxItems) {
            throw new DecodeException(Code.OUT_OF_RANGE, at, "must have at most " + maxItems + " entries");
        }
        List<ContentReader> out = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            if (!value.get(i).isObject()) {
                throw new DecodeException(Code.WRONG_TYPE, at + "/" + i, "must be an object");
            }
            out.add(new ContentReader((ObjectNode) value.get(i), at + "/" + i));
        }
        return out;
    }

    /** Runs a record constructor; its cross-field {@link IllegalArgumentException} becomes INVALID_FORMAT here. */
    <T> T build(Builder<T> builder) throws DecodeException {
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new DecodeException(Code.INVALID_FORMAT, pointer, e.getMessage(), e);
        }
    }

    @FunctionalInterface
    interface Builder<T> {
        T build() throws DecodeException;
    }
}
