/**
 * Health of the running service: the counters and gauges of the frame loop
 * ({@link org.crackcam.health.ServiceMetrics}), the document published on the retained status
 * topic ({@link org.crackcam.health.StatusDocument}) and a loopback-only HTTP endpoint with
 * {@code /healthz} and Prometheus {@code /metrics} ({@link org.crackcam.health.HealthServer}).
 */
package org.crackcam.health;
