package org.crackcam.office;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.crackcam.delivery.AlertChecks;
import org.tinylog.Logger;

/**
 * Sightings, cracks, verdicts and the quarantine in the {@link OfficeDatabase}.
 *
 * <p>{@link #store} runs one transaction per alert: dedupe by (alert_id, revision) as
 * {@code crackcam listen} does — the same pair with the same content but for {@code time} is a
 * duplicate ({@link org.crackcam.delivery.AlertChecks#sameEvent}), with other content a collision
 * (nothing stored; the caller quarantines it), a lower revision is stale, a higher one replaces
 * the stored one —
 * then the {@link MergeRule}, then the crack's aggregates recomputed from its sightings. Merges
 * are serialised: by a lock in this process, and on PostgreSQL also by a transaction-scoped
 * advisory lock, so several office instances on one database never create two records for one
 * crack at the same moment. Thread-safe.
 */
public final class CrackStore {

    /** What {@link #store} did with a sighting. */
    public enum Outcome { NEW_CRACK, MERGED, REVISED, DUPLICATE, STALE, COLLISION }

    /** The result of {@link #store}. */
    public record Stored(Outcome outcome, long crackId) {
    }

    /** A crack record as listed. */
    public record Crack(long id, String status, String crackClass, Double lat, Double lon, Double orientationDeg,
                        String sourceName, long firstSeenMs, long lastSeenMs, int sightings, double maxProbability,
                        double lengthPx, long areaPx, int devices, String latestAlertId) {
    }

    /** One sighting of a crack, without its images. */
    public record SightingRow(String alertId, int revision, String deviceId, long timeMs, long receivedMs, Double lat,
                              Double lon, Double orientationDeg, String crackClass, double probability,
                              double lengthPx, long areaPx, String sourceName, long firstFrame, long lastFrame) {
    }

    /** An inspector's verdict. */
    public record Verdict(long id, long crackId, String verdict, String note, String who, long atMs) {
    }

    /** Verdicts an inspector can give, and the crack status each sets. */
    public static final Set<String> VERDICTS = Set.of("confirmed", "not_crack", "repaired");

    /** PostgreSQL advisory lock key of the merge (any constant shared by all office instances). */
    private static final long MERGE_LOCK_KEY = 0x0FF1CE16L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final OfficeDatabase db;
    private final MergeRule rule;
    private final ReentrantLock mergeLock = new ReentrantLock();
    private final List<LongConsumer> listeners = new CopyOnWriteArrayList<>();

    public CrackStore(OfficeDatabase db, MergeRule rule) {
        this.db = db;
        this.rule = rule;
    }

    public MergeRule rule() {
        return rule;
    }

    /** Called with a crack id after each committed change of that crack (on the storing thread). */
    public void addListener(LongConsumer l) {
        listeners.add(l);
    }

    /**
     * Stores one checked sighting.
     *
     * @throws SQLException when the database fails (nothing is stored; an MQTT caller then does not
     *                      acknowledge, and the broker sends the alert again)
     */
    public Stored store(Sighting s, long receivedMs) throws SQLException {
        Stored r;
        mergeLock.lock();
        try {
            Connection c = db.borrow();
            try {
                c.setAutoCommit(false);
                if (db.dialect() == OfficeDatabase.Dialect.POSTGRESQL) {
                    try (PreparedStatement p = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                        p.setLong(1, MERGE_LOCK_KEY);
                        p.execute();
                    }
                }
                r = storeIn(c, s, receivedMs);
                c.commit();
            } finally {
                db.release(c);
            }
        } finally {
            mergeLock.unlock();
        }
        if (r.outcome() != Outcome.DUPLICATE && r.outcome() != Outcome.STALE && r.outcome() != Outcome.COLLISION) {
            for (LongConsumer l : listeners) {
                l.accept(r.crackId());
            }
        }
        return r;
    }

    private Stored storeIn(Connection c, Sighting s, long receivedMs) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("SELECT revision, crack_id, doc FROM sightings WHERE alert_id = ?")) {
            p.setString(1, s.alertId());
            try (ResultSet rs = p.executeQuery()) {
                if (rs.next()) {
                    int rev = rs.getInt(1);
                    long crack = rs.getLong(2);
                    if (rev > s.revision()) {
                        return new Stored(Outcome.STALE, crack);
                    }
                    if (rev == s.revision()) {
                        return new Stored(sameEvent(s, rs.getString(3)) ? Outcome.DUPLICATE : Outcome.COLLISION, crack);
                    }
                    try (PreparedStatement d = c.prepareStatement("DELETE FROM sightings WHERE alert_id = ?")) {
                        d.setString(1, s.alertId());
                        d.executeUpdate();
                    }
                    insertSighting(c, s, crack, receivedMs);
                    refresh(c, crack);
                    return new Stored(Outcome.REVISED, crack);
                }
            }
        }
        Optional<Long> match = s.hasPosition() ? nearest(c, s) : byFrames(c, s);
        long crack;
        if (match.isPresent()) {
            crack = match.get();
        } else {
            crack = insertCrack(c, s);
        }
        insertSighting(c, s, crack, receivedMs);
        refresh(c, crack);
        return new Stored(match.isPresent() ? Outcome.MERGED : Outcome.NEW_CRACK, crack);
    }

    /** Whether {@code s} is the stored document {@code storedDoc} again (a QoS 1 duplicate or a re-run). */
    private static boolean sameEvent(Sighting s, String storedDoc) {
        try {
            return AlertChecks.sameEvent(s.doc(), JSON.readTree(storedDoc));
        } catch (JsonProcessingException ex) {
            Logger.warn("office: the stored alert {} cannot be read ({}); the new copy counts as a collision",
                    s.alertId(), ex.getOriginalMessage());
            return false;
        }
    }

    private Optional<Long> nearest(Connection c, Sighting s) throws SQLException {
        String sql;
        List<Object> args = new ArrayList<>();
        if (db.dialect() == OfficeDatabase.Dialect.POSTGRESQL) {
            sql = "SELECT id, lat, lon, orientation_deg FROM cracks WHERE geom IS NOT NULL AND "
                    + "ST_DWithin(geom, ST_SetSRID(ST_MakePoint(?, ?), 4326)::geography, ?)";
            args.add(s.lon());
            args.add(s.lat());
            args.add(rule.distanceM() + 1.0); // PostGIS uses the spheroid; the exact test below uses the sphere
        } else {
            sql = "SELECT id, lat, lon, orientation_deg FROM cracks WHERE lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?";
            double dl = rule.latWindowDeg();
            double dn = rule.lonWindowDeg(s.lat());
            args.add(s.lat() - dl);
            args.add(s.lat() + dl);
            args.add(s.lon() - dn);
            args.add(s.lon() + dn);
        }
        long best = -1;
        double bestD = Double.MAX_VALUE;
        try (PreparedStatement p = c.prepareStatement(sql)) {
            bind(p, args);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    double d = org.crackcam.position.Geo.distanceMetres(s.lat(), s.lon(), rs.getDouble(2), rs.getDouble(3));
                    double or = rs.getDouble(4);
                    if (rs.wasNull()) {
                        or = Double.NaN;
                    }
                    if (d <= rule.distanceM() && rule.orientationMatches(s.orientationDeg(), or)) {
                        long id = rs.getLong(1);
                        if ((d < bestD || (d == bestD && id < best)) && !samePass(c, id, s)) {
                            best = id;
                            bestD = d;
                        }
                    }
                }
            }
        }
        return best < 0 ? Optional.empty() : Optional.of(best);
    }

    private Optional<Long> byFrames(Connection c, Sighting s) throws SQLException {
        long best = -1;
        long bestOverlap = -1;
        try (PreparedStatement p = c.prepareStatement("SELECT id, first_frame, last_frame, orientation_deg FROM cracks "
                + "WHERE lat IS NULL AND source_name = ? AND first_frame <= ? AND last_frame >= ?")) {
            p.setString(1, s.sourceName());
            p.setLong(2, s.lastFrame() + rule.frameSlack());
            p.setLong(3, s.firstFrame() - rule.frameSlack());
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    double or = rs.getDouble(4);
                    if (rs.wasNull()) {
                        or = Double.NaN;
                    }
                    if (!rule.orientationMatches(s.orientationDeg(), or)) {
                        continue;
                    }
                    long overlap = Math.min(s.lastFrame(), rs.getLong(3)) - Math.max(s.firstFrame(), rs.getLong(2));
                    long id = rs.getLong(1);
                    if ((overlap > bestOverlap || (overlap == bestOverlap && id < best)) && !samePass(c, id, s)) {
                        best = id;
                        bestOverlap = overlap;
                    }
                }
            }
        }
        return best < 0 ? Optional.empty() : Optional.of(best);
    }

    /** True when the crack holds a sighting of the same pass as {@code s} (see {@link MergeRule#samePass}). */
    private boolean samePass(Connection c, long crack, Sighting s) throws SQLException {
        long gap = rule.passGap().toMillis();
        try (PreparedStatement p = c.prepareStatement("SELECT time_ms, first_frame, last_frame, best_frame FROM sightings "
                + "WHERE crack_id = ? AND device_id = ? AND source_name = ? AND time_ms > ? AND time_ms < ?")) {
            p.setLong(1, crack);
            p.setString(2, s.deviceId());
            p.setString(3, s.sourceName());
            p.setLong(4, s.timeMs() - gap);
            p.setLong(5, s.timeMs() + gap);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    if (rule.samePass(s.timeMs(), s.firstFrame(), s.lastFrame(), s.bestFrame(), rs.getLong(1),
                            rs.getLong(2), rs.getLong(3), rs.getLong(4))) {
                        return true;
                    }
                }
                return false;
            }
        }
    }

    private long insertCrack(Connection c, Sighting s) throws SQLException {
        try (PreparedStatement p = c.prepareStatement("INSERT INTO cracks (status, crack_class, lat, lon, orientation_deg, "
                + "source_name, first_frame, last_frame, first_seen, last_seen, sightings, max_probability, length_px, "
                + "area_px, updated_ms) VALUES ('new', ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?) RETURNING id")) {
            p.setString(1, s.crackClass());
            setDouble(p, 2, s.lat());
            setDouble(p, 3, s.lon());
            setDouble(p, 4, s.orientationDeg());
            p.setString(5, s.sourceName());
            p.setLong(6, s.firstFrame());
            p.setLong(7, s.lastFrame());
            p.setLong(8, s.timeMs());
            p.setLong(9, s.timeMs());
            p.setDouble(10, s.probability());
            p.setDouble(11, s.lengthPx());
            p.setLong(12, s.areaPx());
            p.setLong(13, System.currentTimeMillis());
            try (ResultSet rs = p.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static void insertSighting(Connection c, Sighting s, long crack, long receivedMs) throws SQLException {
        String doc;
        try {
            doc = JSON.writeValueAsString(s.doc());
        } catch (JsonProcessingException ex) {
            throw new SQLException("cannot serialise alert " + s.alertId(), ex);
        }
        try (PreparedStatement p = c.prepareStatement("INSERT INTO sightings (alert_id, revision, crack_id, device_id, "
                + "time_ms, received_ms, lat, lon, orientation_deg, crack_class, probability, length_px, area_px, "
                + "source_name, first_frame, last_frame, best_frame, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            p.setString(1, s.alertId());
            p.setInt(2, s.revision());
            p.setLong(3, crack);
            p.setString(4, s.deviceId());
            p.setLong(5, s.timeMs());
            p.setLong(6, receivedMs);
            setDouble(p, 7, s.lat());
            setDouble(p, 8, s.lon());
            setDouble(p, 9, s.orientationDeg());
            p.setString(10, s.crackClass());
            p.setDouble(11, s.probability());
            p.setDouble(12, s.lengthPx());
            p.setLong(13, s.areaPx());
            p.setString(14, s.sourceName());
            p.setLong(15, s.firstFrame());
            p.setLong(16, s.lastFrame());
            p.setLong(17, s.bestFrame());
            p.setString(18, doc);
            p.executeUpdate();
        }
    }

    /**
     * Recomputes a crack's aggregates from its sightings: first/last seen, count, highest
     * probability, mean position, mean axis (doubled-angle circular mean), frame range, and the
     * class, length and area of the latest sighting; a repaired crack seen again after its repair
     * becomes "reopened".
     */
    private static void refresh(Connection c, long crack) throws SQLException {
        List<SightingRow> rows = sightingsIn(c, crack);
        if (rows.isEmpty()) {
            return;
        }
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        double pmax = 0;
        double sumLat = 0;
        double sumLon = 0;
        int nPos = 0;
        double cx = 0;
        double cy = 0;
        int nOr = 0;
        long f0 = Long.MAX_VALUE;
        long f1 = Long.MIN_VALUE;
        SightingRow latest = rows.get(rows.size() - 1);
        for (SightingRow r : rows) {
            first = Math.min(first, r.timeMs());
            last = Math.max(last, r.timeMs());
            pmax = Math.max(pmax, r.probability());
            if (r.lat() != null && r.lon() != null) {
                sumLat += r.lat();
                sumLon += r.lon();
                nPos++;
            }
            if (r.orientationDeg() != null) {
                cx += Math.cos(Math.toRadians(2 * r.orientationDeg()));
                cy += Math.sin(Math.toRadians(2 * r.orientationDeg()));
                nOr++;
            }
            f0 = Math.min(f0, r.firstFrame());
            f1 = Math.max(f1, r.lastFrame());
        }
        double orientation = Double.NaN;
        if (nOr > 0 && Math.hypot(cx, cy) > 1e-9) {
            orientation = (Math.toDegrees(Math.atan2(cy, cx)) / 2 + 180.0) % 180.0;
        }
        String status = null;
        try (PreparedStatement p = c.prepareStatement("SELECT verdict, at_ms FROM verdicts WHERE crack_id = ? "
                + "ORDER BY at_ms DESC, id DESC LIMIT 1")) {
            p.setLong(1, crack);
            try (ResultSet rs = p.executeQuery()) {
                if (rs.next() && rs.getString(1).equals("repaired") && last > rs.getLong(2)) {
                    status = "reopened";
                }
            }
        }
        try (PreparedStatement p = c.prepareStatement("UPDATE cracks SET crack_class = ?, lat = ?, lon = ?, "
                + "orientation_deg = ?, first_frame = ?, last_frame = ?, first_seen = ?, last_seen = ?, sightings = ?, "
                + "max_probability = ?, length_px = ?, area_px = ?, updated_ms = ?"
                + (status != null ? ", status = ?" : "") + " WHERE id = ?")) {
            p.setString(1, latest.crackClass());
            setDouble(p, 2, nPos == 0 ? Double.NaN : sumLat / nPos);
            setDouble(p, 3, nPos == 0 ? Double.NaN : sumLon / nPos);
            setDouble(p, 4, orientation);
            p.setLong(5, f0);
            p.setLong(6, f1);
            p.setLong(7, first);
            p.setLong(8, last);
            p.setInt(9, rows.size());
            p.setDouble(10, pmax);
            p.setDouble(11, latest.lengthPx());
            p.setLong(12, latest.areaPx());
            p.setLong(13, System.currentTimeMillis());
            int i = 14;
            if (status != null) {
                p.setString(i++, status);
            }
            p.setLong(i, crack);
            p.executeUpdate();
        }
    }

    /** Records a verdict and sets the crack's status; returns the verdict, or empty for an unknown crack. */
    public Optional<Verdict> addVerdict(long crack, String verdict, String note, String who, long atMs)
            throws SQLException {
        if (!VERDICTS.contains(verdict)) {
            throw new IllegalArgumentException("verdict '" + verdict + "' is not one of " + new java.util.TreeSet<>(VERDICTS));
        }
        if (who == null || who.isBlank() || who.length() > 100) {
            throw new IllegalArgumentException("who must have 1..100 characters");
        }
        String n = note == null ? "" : note;
        if (n.length() > 4000) {
            throw new IllegalArgumentException("note is longer than 4000 characters");
        }
        Verdict v;
        Connection c = db.borrow();
        try {
            c.setAutoCommit(false);
            try (PreparedStatement p = c.prepareStatement("UPDATE cracks SET status = ?, updated_ms = ? WHERE id = ?")) {
                p.setString(1, verdict);
                p.setLong(2, atMs);
                p.setLong(3, crack);
                if (p.executeUpdate() == 0) {
                    return Optional.empty();
                }
            }
            try (PreparedStatement p = c.prepareStatement("INSERT INTO verdicts (crack_id, verdict, note, who, at_ms) "
                    + "VALUES (?, ?, ?, ?, ?) RETURNING id")) {
                p.setLong(1, crack);
                p.setString(2, verdict);
                p.setString(3, n);
                p.setString(4, who.strip());
                p.setLong(5, atMs);
                try (ResultSet rs = p.executeQuery()) {
                    rs.next();
                    v = new Verdict(rs.getLong(1), crack, verdict, n, who.strip(), atMs);
                }
            }
            c.commit();
        } finally {
            db.release(c);
        }
        for (LongConsumer l : listeners) {
            l.accept(crack);
        }
        return Optional.of(v);
    }

    /** Keeps a rejected message aside (payload cut to {@code keepBytes}). */
    public void quarantine(String topic, String reason, byte[] payload, int keepBytes, long receivedMs)
            throws SQLException {
        Connection c = db.borrow();
        try (PreparedStatement p = c.prepareStatement("INSERT INTO quarantine (received_ms, topic, reason, size_bytes, "
                + "payload) VALUES (?, ?, ?, ?, ?)")) {
            p.setLong(1, receivedMs);
            p.setString(2, topic == null ? "(file)" : topic);
            p.setString(3, reason.length() > 2000 ? reason.substring(0, 2000) : reason);
            p.setInt(4, payload.length);
            p.setBytes(5, payload.length <= keepBytes ? payload : java.util.Arrays.copyOf(payload, keepBytes));
            p.executeUpdate();
        } finally {
            db.release(c);
        }
    }

    /** True when a stored alert names a model trained on synthetic data (the page then says SYNTHETIC). */
    public boolean hasSyntheticModel() throws SQLException {
        return count("SELECT COUNT(*) FROM (SELECT 1 FROM sightings WHERE doc LIKE '%\"model\":{\"name\":\"%synthetic%' "
                + "LIMIT 1) x") > 0;
    }

    public long quarantineCount() throws SQLException {
        return count("SELECT COUNT(*) FROM quarantine");
    }

    public long sightingCount() throws SQLException {
        return count("SELECT COUNT(*) FROM sightings");
    }

    public long crackCount() throws SQLException {
        return count("SELECT COUNT(*) FROM cracks");
    }

    private long count(String sql) throws SQLException {
        Connection c = db.borrow();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } finally {
            db.release(c);
        }
    }

    /** Cracks matching the filter, most recently seen first. */
    public List<Crack> cracks(CrackFilter f) throws SQLException {
        List<Object> args = new ArrayList<>();
        String sql = "SELECT c.id, c.status, c.crack_class, c.lat, c.lon, c.orientation_deg, c.source_name, c.first_seen, "
                + "c.last_seen, c.sightings, c.max_probability, c.length_px, c.area_px, "
                + "(SELECT COUNT(DISTINCT s.device_id) FROM sightings s WHERE s.crack_id = c.id), "
                + "(SELECT s.alert_id FROM sightings s WHERE s.crack_id = c.id ORDER BY s.time_ms DESC, s.alert_id LIMIT 1) "
                + "FROM cracks c WHERE " + f.where(args) + " ORDER BY c.last_seen DESC, c.id DESC LIMIT " + f.limit();
        Connection c = db.borrow();
        try (PreparedStatement p = c.prepareStatement(sql)) {
            bind(p, args);
            List<Crack> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(new Crack(rs.getLong(1), rs.getString(2), rs.getString(3), obj(rs, 4), obj(rs, 5), obj(rs, 6),
                            rs.getString(7), rs.getLong(8), rs.getLong(9), rs.getInt(10), rs.getDouble(11),
                            rs.getDouble(12), rs.getLong(13), rs.getInt(14), rs.getString(15)));
                }
            }
            return out;
        } finally {
            db.release(c);
        }
    }

    public Optional<Crack> crack(long id) throws SQLException {
        CrackFilter f = new CrackFilter(null, null, null, null, null, null, "#" + id, 100_000);
        return cracks(f).stream().filter(k -> k.id() == id).findFirst();
    }

    /** The sightings of a crack, oldest first. */
    public List<SightingRow> sightings(long crack) throws SQLException {
        Connection c = db.borrow();
        try {
            return sightingsIn(c, crack);
        } finally {
            db.release(c);
        }
    }

    private static List<SightingRow> sightingsIn(Connection c, long crack) throws SQLException {
        List<SightingRow> out = new ArrayList<>();
        try (PreparedStatement p = c.prepareStatement("SELECT alert_id, revision, device_id, time_ms, received_ms, lat, "
                + "lon, orientation_deg, crack_class, probability, length_px, area_px, source_name, first_frame, "
                + "last_frame FROM sightings WHERE crack_id = ? ORDER BY time_ms, alert_id")) {
            p.setLong(1, crack);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(new SightingRow(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getLong(4), rs.getLong(5),
                            obj(rs, 6), obj(rs, 7), obj(rs, 8), rs.getString(9), rs.getDouble(10), rs.getDouble(11),
                            rs.getLong(12), rs.getString(13), rs.getLong(14), rs.getLong(15)));
                }
            }
        }
        return out;
    }

    /** Verdict history of a crack, oldest first. */
    public List<Verdict> verdicts(long crack) throws SQLException {
        Connection c = db.borrow();
        try (PreparedStatement p = c.prepareStatement("SELECT id, crack_id, verdict, note, who, at_ms FROM verdicts "
                + "WHERE crack_id = ? ORDER BY at_ms, id")) {
            p.setLong(1, crack);
            List<Verdict> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(new Verdict(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                            rs.getLong(6)));
                }
            }
            return out;
        } finally {
            db.release(c);
        }
    }

    /** The stored alert document of a sighting. */
    public Optional<JsonNode> document(String alertId) throws SQLException {
        Connection c = db.borrow();
        try (PreparedStatement p = c.prepareStatement("SELECT doc FROM sightings WHERE alert_id = ?")) {
            p.setString(1, alertId);
            try (ResultSet rs = p.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(JSON.readTree(rs.getString(1)));
            } catch (JsonProcessingException ex) {
                throw new SQLException("stored alert " + alertId + " is not JSON", ex);
            }
        } finally {
            db.release(c);
        }
    }

    private static Double obj(ResultSet rs, int i) throws SQLException {
        double v = rs.getDouble(i);
        return rs.wasNull() ? null : v;
    }

    private static void setDouble(PreparedStatement p, int i, double v) throws SQLException {
        if (Double.isNaN(v)) {
            p.setNull(i, Types.DOUBLE);
        } else {
            p.setDouble(i, v);
        }
    }

    private static void bind(PreparedStatement p, List<Object> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            Object a = args.get(i);
            if (a instanceof Double d) {
                p.setDouble(i + 1, d);
            } else if (a instanceof Long l) {
                p.setLong(i + 1, l);
            } else {
                p.setString(i + 1, (String) a);
            }
        }
    }
}
