package org.crackcam.office;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A self-contained map page (one HTML file: Leaflet, the office's script and the cracks with a
 * thumbnail of each crack's latest overlay inlined) for a browser without a server, e.g. the end
 * of {@code crackcam demo}. Read-only: verdicts need the served office.
 */
public final class StaticMap {

    private static final ObjectMapper JSON = new ObjectMapper();

    private StaticMap() {
    }

    public static void write(CrackStore store, Path file, String tileUrl, String attribution)
            throws IOException, SQLException {
        List<CrackStore.Crack> cracks = store.cracks(CrackFilter.all());
        ObjectNode data = JSON.createObjectNode();
        ObjectNode cfg = data.putObject("config");
        cfg.put("tile_url", tileUrl);
        cfg.put("tile_attribution", attribution);
        cfg.put("banner", store.hasSyntheticModel() ? OfficeServer.SYNTHETIC_BANNER : null);
        data.set("cracks", JSON.valueToTree(cracks));
        ObjectNode thumbs = data.putObject("thumbs");
        for (CrackStore.Crack c : cracks) {
            if (c.latestAlertId() == null) {
                continue;
            }
            JsonNode ov = store.document(c.latestAlertId()).map(d -> d.path("overlay")).orElse(null);
            if (ov != null && ov.has("data") && ov.path("media_type").asText().startsWith("image/")) {
                thumbs.put(Long.toString(c.id()), "data:" + ov.path("media_type").asText() + ";base64,"
                        + ov.path("data").asText());
            }
        }
        String leaflet = "META-INF/resources/webjars/leaflet/" + OfficeServer.leafletVersion() + "/dist/";
        String json = JSON.writeValueAsString(data).replace("</", "<\\/");
        StringBuilder h = new StringBuilder(1 << 20);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>CrackCam office: crack map (static)</title>\n<style>")
                .append(resource(leaflet + "leaflet.css")).append('\n').append(resource("office/style.css"))
                .append("</style></head><body>\n<header><h1>CrackCam office</h1><span id=\"stats\"></span>")
                .append("<span class=\"live off\">static page: run crackcam office to set verdicts</span>")
                .append("<a id=\"export-geojson\" href=\"#\"></a><a id=\"export-csv\" href=\"#\"></a></header>\n")
                .append("<main class=\"split\"><section id=\"map\"></section><section id=\"side\">")
                .append("<form id=\"filters\"><select id=\"f-status\" hidden></select><select id=\"f-type\" hidden></select></form>")
                .append("<div id=\"legend\"></div><table id=\"crack-list\"><thead><tr><th>#</th><th>status</th><th>type</th>")
                .append("<th>last seen</th><th>seen</th><th>p</th><th>length px</th></tr></thead><tbody></tbody></table>")
                .append("</section></main>\n<script type=\"application/json\" id=\"static-data\">").append(json)
                .append("</script>\n<script>").append(resource(leaflet + "leaflet.js").replace("</script", "<\\/script"))
                .append("</script>\n<script>").append(resource("office/app.js")).append("</script>\n</body></html>\n");
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = parent.resolve("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, h, StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = StaticMap.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
