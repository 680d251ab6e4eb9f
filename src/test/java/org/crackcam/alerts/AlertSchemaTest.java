package org.crackcam.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** The validator picks the schema by the {@code schema} field; stored v1 documents stay readable. */
class AlertSchemaTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final AlertSchema SCHEMA = AlertSchema.load();

    /** A version 1 alert as the v1 AlertFactory made it (SYNTHETIC frames), stored unchanged. */
    static ObjectNode v1Fixture() throws Exception {
        try (InputStream in = AlertSchemaTest.class.getResourceAsStream("/alerts/alert-v1-synthetic.json")) {
            return (ObjectNode) JSON.readTree(in);
        }
    }

    @Test
    void storedVersion1DocumentStillValidates() throws Exception {
        ObjectNode v1 = v1Fixture();
        assertEquals(Optional.of(AlertSchema.V1), SCHEMA.versionOf(v1));
        assertEquals(List.of(), SCHEMA.validate(v1));
        assertEquals(List.of(), SCHEMA.validate(v1, AlertSchema.V1));
    }

    @Test
    void version1DocumentIsNotAValidVersion2Document() throws Exception {
        ObjectNode relabelled = v1Fixture();
        relabelled.put("schema", AlertSchema.V2);
        List<String> errors = SCHEMA.validate(relabelled);
        assertFalse(errors.isEmpty());
        assertTrue(errors.stream().anyMatch(e -> e.contains("revision")), errors.toString());
        assertFalse(SCHEMA.validate(v1Fixture(), AlertSchema.V2).isEmpty());
    }

    @Test
    void unknownOrMissingSchemaFieldIsOneClearViolation() throws Exception {
        ObjectNode doc = v1Fixture();
        doc.put("schema", "crackcam.alert/9");
        List<String> errors = SCHEMA.validate(doc);
        assertEquals(1, errors.size());
        assertTrue(errors.get(0).contains("crackcam.alert/9") && errors.get(0).contains(AlertSchema.V2), errors.get(0));
        doc.remove("schema");
        assertTrue(SCHEMA.validate(doc).get(0).contains("missing"));
        JsonNode number = JSON.readTree("{\"schema\": 2}");
        assertEquals(1, SCHEMA.validate(number).size());
        assertThrows(IllegalArgumentException.class, () -> SCHEMA.validate(number, "crackcam.alert/0"));
    }
}
