/**
 * The in-vehicle service ({@code crackcam run --config FILE}): configuration (YAML, validated
 * with line numbers), wiring of camera → sampling → detector → alerts/outbox/MQTT, systemd
 * notification and watchdog, health, and the graceful stop on SIGTERM.
 */
package org.crackcam.service;
