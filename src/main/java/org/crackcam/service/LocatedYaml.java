package org.crackcam.service;

import java.io.IOException;
import java.io.Reader;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * A YAML document as a Jackson tree plus the line of every key and value, so that a
 * validation error can name the line it is about ({@code config.yaml:12: ...}).
 *
 * <p>Paths are dotted key names ({@code camera.reconnect.max_ms}); array elements are
 * {@code name[0]}. The line of a path is the line of its key (or of the element for arrays).
 */
final class LocatedYaml {

    private static final YAMLFactory FACTORY = new YAMLFactory();

    private final JsonNode root;
    private final Map<String, Integer> lines;

    private LocatedYaml(JsonNode root, Map<String, Integer> lines) {
        this.root = root;
        this.lines = lines;
    }

    /** Parses one YAML document; an empty document is an empty mapping. */
    static LocatedYaml parse(Reader reader) throws IOException {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser p = FACTORY.createParser(reader)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return new LocatedYaml(JsonNodeFactory.instance.objectNode(), lines);
            }
            JsonNode root = read(p, "", lines);
            return new LocatedYaml(root, lines);
        }
    }

    JsonNode root() {
        return root;
    }

    /** The 1-based line of a path, or of its nearest ancestor that exists, or 1. */
    int lineOf(String path) {
        String p = path;
        while (!p.isEmpty()) {
            Integer l = lines.get(p);
            if (l != null) {
                return l;
            }
            int dot = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            p = dot < 0 ? "" : p.substring(0, dot);
        }
        return 1;
    }

    private static JsonNode read(JsonParser p, String path, Map<String, Integer> lines)
            throws IOException {
        JsonToken t = p.currentToken();
        if (!path.isEmpty()) {
            lines.putIfAbsent(path, p.currentTokenLocation().getLineNr());
        }
        switch (t) {
            case START_OBJECT: {
                ObjectNode obj = JsonNodeFactory.instance.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    String child = path.isEmpty() ? name : path + "." + name;
                    int keyLine = p.currentTokenLocation().getLineNr();
                    if (obj.has(name)) {
                        throw new DuplicateKey(child, keyLine);
                    }
                    lines.put(child, keyLine);
                    p.nextToken();
                    obj.set(name, read(p, child, lines));
                }
                return obj;
            }
            case START_ARRAY: {
                ArrayNode arr = JsonNodeFactory.instance.arrayNode();
                int i = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    arr.add(read(p, path + "[" + i++ + "]", lines));
                }
                return arr;
            }
            case VALUE_STRING:
                return JsonNodeFactory.instance.textNode(p.getText());
            case VALUE_NUMBER_INT:
                return JsonNodeFactory.instance.numberNode(p.getLongValue());
            case VALUE_NUMBER_FLOAT:
                return JsonNodeFactory.instance.numberNode(p.getDoubleValue());
            case VALUE_TRUE:
                return JsonNodeFactory.instance.booleanNode(true);
            case VALUE_FALSE:
                return JsonNodeFactory.instance.booleanNode(false);
            case VALUE_NULL:
                return JsonNodeFactory.instance.nullNode();
            default:
                throw new IOException("unexpected YAML token " + t);
        }
    }

    /** A key given twice in one mapping (YAML forbids it; Jackson would keep the last). */
    static final class DuplicateKey extends IOException {
        final String path;
        final int line;

        DuplicateKey(String path, int line) {
            super("duplicate key " + path);
            this.path = path;
            this.line = line;
        }
    }
}
