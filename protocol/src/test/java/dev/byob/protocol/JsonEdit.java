package dev.byob.protocol;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Copies of a JSON object with one member changed or removed, addressed by JSON pointer. */
public final class JsonEdit {

    private JsonEdit() {}

    /** A deep copy of {@code root} with the value at {@code pointer} set (added or replaced). */
    public static ObjectNode set(ObjectNode root, String pointer, JsonNode value) {
        ObjectNode copy = root.deepCopy();
        JsonPointer at = JsonPointer.compile(pointer);
        JsonNode parent = copy.at(at.head());
        String last = at.last().getMatchingProperty();
        if (parent instanceof ObjectNode object) {
            object.set(last, value);
        } else if (parent instanceof ArrayNode array) {
            array.set(Integer.parseInt(last), value);
        } else {
            throw new IllegalArgumentException("no container at " + at.head());
        }
        return copy;
    }

    /** A deep copy of {@code root} without the member at {@code pointer}. */
    public static ObjectNode remove(ObjectNode root, String pointer) {
        ObjectNode copy = root.deepCopy();
        JsonPointer at = JsonPointer.compile(pointer);
        JsonNode parent = copy.at(at.head());
        String last = at.last().getMatchingProperty();
        if (parent instanceof ObjectNode object && object.has(last)) {
            object.remove(last);
        } else if (parent instanceof ArrayNode array) {
            array.remove(Integer.parseInt(last));
        } else {
            throw new IllegalArgumentException("nothing to remove at " + pointer);
        }
        return copy;
    }
}
