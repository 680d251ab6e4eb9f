/**
 * Outputs of the commands: detections as JSON Lines, replay summaries and overlays
 * ({@link org.crackcam.report.Replay}), the progress bar, and the demo's HTML report.
 */
package org.crackcam.report;
