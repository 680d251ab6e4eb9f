package org.crackcam.position;

import java.util.List;

/**
 * A track read from a sidecar file, with what was skipped: malformed lines, bad checksums,
 * points without a valid fix. Reading never fails on content; {@code skipped} counts the rest.
 *
 * @param problems the first few skipped items, each "line N: why"
 */
public record ParsedTrack(Track track, int skipped, List<String> problems) {

    static final int MAX_PROBLEMS = 20;
}
