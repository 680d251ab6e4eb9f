package org.crackcam.office;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.crackcam.settings.InvalidSettingException;


/**
 * Filters of the crack list and the exports; every field null or empty means "any".
 *
 * @param status  new, confirmed, not_crack, repaired or reopened
 * @param type    longitudinal, transverse, diagonal or network (the latest sighting's class)
 * @param fromMs  last seen at or after (epoch ms)
 * @param toMs    first seen at or before (epoch ms)
 * @param device  has a sighting from this device
 * @param minProbability highest crack probability at least this
 * @param text    search: crack id, device, source name or a note containing it (case-insensitive)
 * @param limit   most rows (1..100000)
 */
public record CrackFilter(String status, String type, Long fromMs, Long toMs, String device, Double minProbability,
                          String text, int limit) {

    public static final Set<String> STATUSES = Set.of("new", "confirmed", "not_crack", "repaired", "reopened");
    public static final Set<String> TYPES = Set.of("longitudinal", "transverse", "diagonal", "network");

    public CrackFilter {
        if (status != null && !status.isEmpty() && !STATUSES.contains(status)) {
            throw bad("status '" + status + "' is not one of " + new java.util.TreeSet<>(STATUSES));
        }
        if (type != null && !type.isEmpty() && !TYPES.contains(type)) {
            throw bad("type '" + type + "' is not one of " + new java.util.TreeSet<>(TYPES));
        }
        if (limit < 1 || limit > 100_000) {
            throw bad("limit must be in 1..100000, got " + limit);
        }
    }

    public static CrackFilter all() {
        return new CrackFilter(null, null, null, null, null, null, null, 100_000);
    }

    /** From query parameters (status, type, from, to as ISO dates or instants, device, pmin, q, limit). */
    public static CrackFilter of(Map<String, String> q) {
        return new CrackFilter(blank(q.get("status")), blank(q.get("type")), time(q.get("from"), false),
                time(q.get("to"), true), blank(q.get("device")), number(q.get("pmin")), blank(q.get("q")),
                q.get("limit") == null || q.get("limit").isBlank() ? 5000 : integer(q.get("limit")));
    }

    /** The SQL condition (after WHERE) and its arguments, for the alias {@code c} of cracks. */
    String where(List<Object> args) {
        List<String> w = new ArrayList<>();
        w.add("1=1");
        if (status != null) {
            w.add("c.status = ?");
            args.add(status);
        }
        if (type != null) {
            w.add("c.crack_class = ?");
            args.add(type);
        }
        if (fromMs != null) {
            w.add("c.last_seen >= ?");
            args.add(fromMs);
        }
        if (toMs != null) {
            w.add("c.first_seen <= ?");
            args.add(toMs);
        }
        if (device != null) {
            w.add("EXISTS (SELECT 1 FROM sightings s WHERE s.crack_id = c.id AND s.device_id = ?)");
            args.add(device);
        }
        if (minProbability != null) {
            w.add("c.max_probability >= ?");
            args.add(minProbability);
        }
        if (text != null) {
            String like = "%" + text.toLowerCase(Locale.ROOT).replace("\\", "\\\\").replace("%", "\\%")
                    .replace("_", "\\_") + "%";
            StringBuilder s = new StringBuilder("(LOWER(c.source_name) LIKE ? ESCAPE '\\'");
            args.add(like);
            s.append(" OR EXISTS (SELECT 1 FROM sightings s WHERE s.crack_id = c.id AND (LOWER(s.device_id) LIKE ? ESCAPE '\\'"
                    + " OR LOWER(s.source_name) LIKE ? ESCAPE '\\'))");
            args.add(like);
            args.add(like);
            s.append(" OR EXISTS (SELECT 1 FROM verdicts v WHERE v.crack_id = c.id AND LOWER(v.note) LIKE ? ESCAPE '\\')");
            args.add(like);
            if (text.matches("#?[0-9]{1,18}")) {
                s.append(" OR c.id = ?");
                args.add(Long.parseLong(text.replace("#", "")));
            }
            s.append(')');
            w.add(s.toString());
        }
        return String.join(" AND ", w);
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static Double number(String s) {
        if (blank(s) == null) {
            return null;
        }
        try {
            return Double.parseDouble(s.strip());
        } catch (NumberFormatException ex) {
            throw bad("'" + s + "' is not a number");
        }
    }

    private static int integer(String s) {
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException ex) {
            throw bad("'" + s + "' is not an integer");
        }
    }

    private static Long time(String s, boolean endOfDay) {
        if (blank(s) == null) {
            return null;
        }
        String v = s.strip();
        try {
            if (v.matches("\\d{4}-\\d{2}-\\d{2}")) {
                long day = java.time.LocalDate.parse(v).atStartOfDay(java.time.ZoneOffset.UTC).toInstant().toEpochMilli();
                return endOfDay ? day + 86_400_000L - 1 : day;
            }
            return java.time.Instant.parse(v).toEpochMilli();
        } catch (java.time.format.DateTimeParseException ex) {
            throw bad("'" + s + "' is not a date (YYYY-MM-DD) or an instant (ISO 8601 with Z)");
        }
    }

    private static InvalidSettingException bad(String msg) {
        return new InvalidSettingException(msg);
    }
}
