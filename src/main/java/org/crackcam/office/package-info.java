/**
 * The road office ({@code crackcam office}): receives alerts (MQTT or an outbox folder), checks
 * them ({@link org.crackcam.office.AlertIntake}), merges sightings into crack records
 * ({@link org.crackcam.office.MergeRule}, {@link org.crackcam.office.CrackStore}) in SQLite or
 * PostgreSQL + PostGIS ({@link org.crackcam.office.OfficeDatabase}, Flyway migrations under
 * {@code db/office/}), serves the map and list ({@link org.crackcam.office.OfficeServer}) and
 * exports GeoJSON, CSV and a labelled dataset ({@link org.crackcam.office.Exports}).
 * See docs/office.md.
 */
package org.crackcam.office;
