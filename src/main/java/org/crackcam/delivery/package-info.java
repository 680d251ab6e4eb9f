/**
 * Getting alerts to the road office without losing any: the durable {@link
 * org.crackcam.delivery.Outbox} (every alert fsync'd to disk before it is published, removed
 * after the broker's PUBACK), the {@link org.crackcam.delivery.AlertTransport} interface with
 * its Eclipse Paho MQTT v3.1.1 implementation, the {@link org.crackcam.delivery.OutboxPublisher}
 * (own reconnect loop with capped, jittered exponential back-off), TLS from PEM files, and the
 * subscriber behind {@code crackcam listen}: the {@link org.crackcam.delivery.AlertArchive}
 * (checks, dedupe by alert id and revision, files, gallery), {@link
 * org.crackcam.delivery.AlertImages} (PNG/JPEG verification) and {@link
 * org.crackcam.delivery.MessageQuarantine}. {@link org.crackcam.delivery.FileModes} gives the
 * outbox and the archive their permissions (0700/0600, or 0750/0640 group-readable).
 */
package org.crackcam.delivery;
