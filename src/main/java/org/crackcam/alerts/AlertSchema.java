package org.crackcam.alerts;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

/**
 * The {@code crackcam.alert/1} JSON Schema (draft 2020-12), loaded from the class path
 * resource {@value #RESOURCE}. Thread-safe once built.
 */
public final class AlertSchema {

    /** Class path location of the schema file (src/main/resources/schema/alert-v1.schema.json). */
    public static final String RESOURCE = "/schema/alert-v1.schema.json";

    private final JsonSchema schema;

    private AlertSchema(JsonSchema schema) {
        this.schema = schema;
    }

    /** Loads the schema shipped in the jar. */
    public static AlertSchema load() {
        try (InputStream in = AlertSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("alert schema " + RESOURCE + " is missing from the class path");
            }
            JsonSchemaFactory f = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
            return new AlertSchema(f.getSchema(in));
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot read alert schema " + RESOURCE, ex);
        }
    }

    /** The violations of {@code doc} ("$.path: message"); empty when valid. */
    public List<String> validate(JsonNode doc) {
        return schema.validate(doc).stream().map(ValidationMessage::getMessage).sorted().toList();
    }
}
