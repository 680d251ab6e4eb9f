/**
 * Crack events and alert documents. {@link org.crackcam.alerts.CrackTracker} merges the
 * per-frame detections of one crack into one {@link org.crackcam.alerts.CrackEvent} (reported
 * again, as a higher revision, when it stays open past the maximum age);
 * {@link org.crackcam.alerts.AlertFactory} turns an event into a versioned JSON alert
 * ({@code crackcam.alert/2}, schema in {@code schema/alert-v2.schema.json}) whose id is derived
 * from what the event is ({@link org.crackcam.alerts.SourceIdentity}, first frame, track id);
 * {@link org.crackcam.alerts.AlertSchema} validates version 1 and 2 documents.
 */
package org.crackcam.alerts;
