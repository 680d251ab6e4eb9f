package org.crackcam.settings;

import java.util.ArrayList;
import java.util.List;

/**
 * Every setting that both front ends take — the service's YAML file ({@code crackcam run}) and the
 * command line ({@code crackcam replay}) — each validated once, by its record. What only one of
 * them can set is listed in docs/service.md (camera, sampling, positions, health, shutdown,
 * {@code model.relevance_latency_ms}, {@code mqtt.enabled}: the live service's concerns) and in
 * docs/runtime.md (the outputs of a replay: {@code --out}, overlays, progress).
 */
public final class Settings {

    private Settings() {
    }

    /** The shared keys, grouped by record. */
    public static List<Key> shared() {
        List<Key> all = new ArrayList<>();
        all.add(DeviceId.KEY);
        all.addAll(TilingSettings.KEYS);
        all.addAll(SamplingSettings.KEYS);
        all.addAll(ModelSettings.KEYS);
        all.addAll(EventSettings.KEYS);
        all.addAll(BrokerSettings.KEYS);
        all.addAll(OutboxSettings.KEYS);
        return List.copyOf(all);
    }
}
