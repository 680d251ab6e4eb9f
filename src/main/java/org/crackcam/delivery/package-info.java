/**
 * Getting alerts to the road office without losing any: the durable {@link
 * org.crackcam.delivery.Outbox} (every alert fsync'd to disk before it is published, removed
 * after the broker's PUBACK), the {@link org.crackcam.delivery.AlertTransport} interface with
 * its Eclipse Paho MQTT v3.1.1 implementation, the {@link org.crackcam.delivery.OutboxPublisher}
 * (own reconnect loop with capped, jittered exponential back-off), TLS from PEM files, and the
 * subscriber behind {@code crackcam listen}.
 */
package org.crackcam.delivery;
