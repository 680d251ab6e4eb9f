package org.crackcam.bundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The shipped bundle and tampered copies of it, for tests. */
public final class TestBundles {

    /** The shipped bundle (tests run from the repository root). */
    public static final Path EDGE_SYNTHETIC = Path.of("models/edge-synthetic");

    private TestBundles() {
    }

    /** Copies the shipped bundle into {@code dir} and returns the copy. */
    public static Path copy(Path dir) throws IOException {
        Path out = dir.resolve("bundle");
        Files.createDirectories(out);
        try (Stream<Path> s = Files.list(EDGE_SYNTHETIC)) {
            for (Path p : s.toList()) {
                Files.copy(p, out.resolve(p.getFileName()));
            }
        }
        return out;
    }

    /** Flips one byte in the middle of a file. */
    public static void flipByte(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        b[b.length / 2] ^= 0x5a;
        Files.write(file, b);
    }

    /** Rewrites the manifest's sha256 of one graph to the file's actual hash. */
    public static void rehash(Path bundle, String graph) throws IOException {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = (ObjectNode) m.readTree(bundle.resolve("manifest.json").toFile());
        ObjectNode g = (ObjectNode) root.path("graphs").path(graph);
        g.put("sha256", ModelBundle.sha256(bundle.resolve(g.path("file").asText())));
        m.writerWithDefaultPrettyPrinter().writeValue(bundle.resolve("manifest.json").toFile(), root);
    }

    /** Replaces a graph file with another graph of the shipped bundle (hash updated: only the contract differs). */
    public static void swapGraph(Path bundle, String graph, String otherFile) throws IOException {
        String file = new ObjectMapper().readTree(bundle.resolve("manifest.json").toFile())
                .path("graphs").path(graph).path("file").asText();
        Files.copy(EDGE_SYNTHETIC.resolve(otherFile), bundle.resolve(file), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        rehash(bundle, graph);
    }

    /** Sets {@code graphs.<graph>.outputs[<index>].shape[<dim>]} in the manifest. */
    public static void setOutputDim(Path bundle, String graph, int index, int dim, long value) throws IOException {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = (ObjectNode) m.readTree(bundle.resolve("manifest.json").toFile());
        var shape = (com.fasterxml.jackson.databind.node.ArrayNode) root.path("graphs").path(graph).path("outputs")
                .get(index).path("shape");
        shape.set(dim, m.getNodeFactory().numberNode(value));
        m.writerWithDefaultPrettyPrinter().writeValue(bundle.resolve("manifest.json").toFile(), root);
    }
}
