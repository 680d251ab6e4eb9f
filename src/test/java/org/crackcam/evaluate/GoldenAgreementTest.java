package org.crackcam.evaluate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The Java Insertion/Deletion against tools/eval_reference.py (an independent numpy version):
 * golden values in src/test/resources/evaluate/insertion_deletion_golden.json, regenerated with
 * {@code /usr/bin/python3 -m tools.eval_reference --out src/test/resources/evaluate/insertion_deletion_golden.json}.
 */
class GoldenAgreementTest {
    @Test
    void javaCurvesAndAreasEqualTheNumpyReference() throws Exception {
        JsonNode doc;
        try (InputStream in = getClass().getResourceAsStream("/evaluate/insertion_deletion_golden.json")) {
            doc = new ObjectMapper().readTree(in);
        }
        assertFalse(doc.get("cases").isEmpty());
        for (JsonNode c : doc.get("cases")) {
            String name = c.get("name").asText();
            ImageShape shape = new ImageShape(c.get("shape").get(0).asInt(), c.get("shape").get(1).asInt(),
                    c.get("shape").get(2).asInt());
            float[] image = floats(c.get("image"));
            float[] map = floats(c.get("map"));
            double[] w = doubles(c.get("weights"));
            int k = c.get("bias").size();
            double[][] weights = new double[k][shape.values()];
            for (int i = 0; i < k; i++) {
                System.arraycopy(w, i * shape.values(), weights[i], 0, shape.values());
            }
            Scorer scorer = ToyScorers.linearSoftmax(shape, weights, doubles(c.get("bias")));
            // ROAD without its noise (the reference cannot draw the same noise); CG run to 1e-12
            var cfg = new InsertionDeletion.Config(c.get("step").asInt(),
                    Substrate.valueOf(c.get("insertion_substrate").asText().toUpperCase(Locale.ROOT)),
                    Substrate.valueOf(c.get("deletion_substrate").asText().toUpperCase(Locale.ROOT)), 0.0, 1e-12);
            var got = new InsertionDeletion(cfg).evaluate(scorer, image, map, c.get("cls").asInt());
            JsonNode e = c.get("expected");
            int[] pixels = new int[e.get("pixels").size()];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = e.get("pixels").get(i).asInt();
            }
            assertArrayEquals(pixels, got.pixels(), name);
            assertArrayEquals(doubles(e.get("insertion")), got.insertion(), 1e-6, name + " insertion curve");
            assertArrayEquals(doubles(e.get("deletion")), got.deletion(), 1e-6, name + " deletion curve");
            assertEquals(e.get("insertion_auc").asDouble(), got.insertionAuc(), 1e-6, name);
            assertEquals(e.get("deletion_auc").asDouble(), got.deletionAuc(), 1e-6, name);
            assertEquals(e.get("id").asDouble(), got.id(), 1e-6, name);
        }
    }

    /**
     * ROAD's linear imputation (noise 0, conjugate gradients) equals the reference's dense direct
     * solve within 1e-5 on masks touching the borders and corners, an interior block, all pixels
     * but one removed, none removed and all removed (the mean colour).
     */
    @Test
    void javaImputationEqualsTheNumpyReference() throws Exception {
        JsonNode doc;
        try (InputStream in = getClass().getResourceAsStream("/evaluate/insertion_deletion_golden.json")) {
            doc = new ObjectMapper().readTree(in);
        }
        assertEquals(6, doc.get("imputation").size());
        for (JsonNode c : doc.get("imputation")) {
            String name = c.get("name").asText();
            ImageShape shape = new ImageShape(c.get("shape").get(0).asInt(), c.get("shape").get(1).asInt(),
                    c.get("shape").get(2).asInt());
            float[] image = floats(c.get("image"));
            boolean[] removed = new boolean[shape.pixels()];
            for (int i = 0; i < removed.length; i++) {
                removed[i] = c.get("removed").get(i).asInt() != 0;
            }
            LinearImputer imputer = new LinearImputer(shape, 0.0, 1e-12);
            float[] got = imputer.impute(image, removed, null, 1L);
            double[] want = doubles(c.get("expected"));
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-5, name + " value " + i);
            }
            // a warm start from anything converges to the same values
            float[] noisyGuess = image.clone();
            float[] again = imputer.impute(image, removed, noisyGuess, 1L);
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], again[i], 1e-5, name + " (warm start) value " + i);
            }
        }
    }

    private static float[] floats(JsonNode a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).isNull() ? Float.NaN : (float) a.get(i).asDouble();
        }
        return out;
    }

    private static double[] doubles(JsonNode a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asDouble();
        }
        return out;
    }
}
