package org.crackcam.alerts;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/**
 * The alert JSON Schemas (draft 2020-12), loaded from the class path: {@code crackcam.alert/1}
 * ({@value #RESOURCE}) and {@code crackcam.alert/2} ({@value #RESOURCE_V2}). {@link #validate}
 * picks the schema by the document's {@code schema} field, so documents of both versions stay
 * readable. Thread-safe once built.
 */
public final class AlertSchema {

    /** Class path location of the version 1 schema (src/main/resources/schema/alert-v1.schema.json). */
    public static final String RESOURCE = "/schema/alert-v1.schema.json";
    /** Class path location of the version 2 schema (src/main/resources/schema/alert-v2.schema.json). */
    public static final String RESOURCE_V2 = "/schema/alert-v2.schema.json";
    /** The {@code schema} value of version 1 documents. */
    public static final String V1 = "crackcam.alert/1";
    /** The {@code schema} value of version 2 documents (what {@link AlertFactory} makes). */
    public static final String V2 = "crackcam.alert/2";

    private final Map<String, JsonSchema> schemas;

    private AlertSchema(Map<String, JsonSchema> schemas) {
        this.schemas = schemas;
    }

    /** Loads the schemas shipped in the jar (every known version). */
    public static AlertSchema load() {
        JsonSchemaFactory f = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
        Map<String, JsonSchema> m = new LinkedHashMap<>();
        m.put(V1, read(f, RESOURCE));
        m.put(V2, read(f, RESOURCE_V2));
        return new AlertSchema(Map.copyOf(m));
    }

    private static JsonSchema read(JsonSchemaFactory f, String resource) {
        try (InputStream in = AlertSchema.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("alert schema " + resource + " is missing from the class path");
            }
            return f.getSchema(in);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot read alert schema " + resource, ex);
        }
    }

    /** The schema versions this validator knows ({@code crackcam.alert/1}, {@code crackcam.alert/2}). */
    public List<String> versions() {
        return List.of(V1, V2);
    }

    /** The {@code schema} field of {@code doc} when it names a known version. */
    public Optional<String> versionOf(JsonNode doc) {
        JsonNode s = doc == null ? null : doc.get("schema");
        return s != null && s.isTextual() && schemas.containsKey(s.asText()) ? Optional.of(s.asText()) : Optional.empty();
    }

    /**
     * The violations of {@code doc} ("$.path: message") against the schema its {@code schema}
     * field names; empty when valid. A document without a known {@code schema} value gets one
     * violation saying so.
     */
    public List<String> validate(JsonNode doc) {
        Optional<String> v = versionOf(doc);
        if (v.isEmpty()) {
            JsonNode s = doc == null ? null : doc.get("schema");
            return List.of("$.schema: " + (s == null ? "missing" : "unknown value " + s)
                    + "; known: " + String.join(", ", versions()));
        }
        return validate(doc, v.get());
    }

    /** The violations of {@code doc} against one version's schema (e.g. {@link #V2}). */
    public List<String> validate(JsonNode doc, String version) {
        JsonSchema schema = schemas.get(version);
        if (schema == null) {
            throw new IllegalArgumentException("unknown alert schema '" + version + "'; known: "
                    + String.join(", ", versions()));
        }
        return schema.validate(doc).stream().map(ValidationMessage::getMessage).sorted().toList();
    }
}
