/**
 * Crack events and alert documents. {@link org.crackcam.alerts.CrackTracker} merges the
 * per-frame detections of one crack into one {@link org.crackcam.alerts.CrackEvent};
 * {@link org.crackcam.alerts.AlertFactory} turns an event into a versioned JSON alert
 * ({@code crackcam.alert/1}, schema in {@code schema/alert-v1.schema.json}) checked by
 * {@link org.crackcam.alerts.AlertSchema}.
 */
package org.crackcam.alerts;
