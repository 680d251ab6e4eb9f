package org.crackcam.evaluate;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The explainers and ablations this evaluation knows, with the graph output each one reads
 * and how its map is binarised for IoU. {@code c1c} = the map is passed through C1C (the
 * runtime's) before scoring, as the shipped LRP-BN explanation is.
 */
public enum Method {
    LRP_BN("lrp-bn", Role.OURS, "lrp_bn", "explanation", true, Iou.Binarisation.POSITIVE,
            "{label}: C1C(R ⊙ α')", "LRP-BN, γ = the bundle's"),
    CRACK_MASK("crack-mask", Role.OURS, "lrp_bn", "relevance", true, Iou.Binarisation.POSITIVE,
            "the runtime's crack-shaped mask (alerts' mask): top 5 % of R inside the C1C region; R on the mask, 0 "
                    + "elsewhere", null),
    RISE("rise", Role.BASELINE, null, null, false, Iou.Binarisation.MEAN,
            "RISE saliency scored by repeated ABN passes", null),
    GRADCAM("gradcam", Role.BASELINE, "gradcam", "cam", false, Iou.Binarisation.MEAN, "{label}", "GradCAM"),
    LRP("lrp", Role.BASELINE, "lrp_plain", "relevance", false, Iou.Binarisation.MEAN, "{label}, as the lrp_plain graph computes it", "plain LRP (ε-rule)"),
    ABN("abn", Role.BASELINE, "lrp_bn", "alpha_up", false, Iou.Binarisation.MEAN,
            "ABN attention α' (bilinearly upscaled); also the ablation 'α' alone'", null),
    R_ONLY("r-only", Role.ABLATION, "lrp_bn", "relevance", false, Iou.Binarisation.MEAN,
            "ablation: LRP-BN relevance R alone", null),
    R_ALPHA("r-alpha", Role.ABLATION, "lrp_bn", "explanation", false, Iou.Binarisation.MEAN,
            "ablation: R ⊙ α' without C1C", null),
    GAMMA0("gamma0", Role.ABLATION, "lrp_bn_gamma0", "explanation", true, Iou.Binarisation.POSITIVE,
            "ablation: {label}, C1C", "LRP-BN with γ = 0"),
    GAMMA1("gamma1", Role.ABLATION, "lrp_bn_gamma1", "explanation", true, Iou.Binarisation.POSITIVE,
            "ablation: {label}, C1C", "LRP-BN with γ = 1"),
    SPLIT("split", Role.ABLATION, "lrp_bn_split", "explanation", true, Iou.Binarisation.POSITIVE,
            "ablation: {label}, C1C", "LRP-BN with the relevance-splitting skip rule instead of eq. 5"),
    TRUTH("truth", Role.ANCHOR, null, null, false, Iou.Binarisation.TOP_K_MASK_AREA,
            "anchor (ceiling): pixels ranked by distance to the crack mask; crack images with a mask only", null),
    RANDOM("random", Role.ANCHOR, null, null, false, Iou.Binarisation.MEAN,
            "anchor (floor): a seeded random ranking", null);

    /** Whose method it is, for the table's grouping. */
    public enum Role { OURS, BASELINE, ABLATION, ANCHOR }

    private final String id;
    private final Role role;
    private final String graph;
    private final String output;
    private final boolean c1c;
    private final Iou.Binarisation binarisation;
    private final String description;
    private final String defaultLabel;

    /**
     * @param description  what the report says; {@code {label}} stands for the graph's label from
     *                     the bundle's manifest (read off its rule objects at export), or
     *                     {@code defaultLabel} for bundles without one
     */
    Method(String id, Role role, String graph, String output, boolean c1c, Iou.Binarisation binarisation,
           String description, String defaultLabel) {
        this.id = id;
        this.role = role;
        this.graph = graph;
        this.output = output;
        this.c1c = c1c;
        this.binarisation = binarisation;
        this.description = description;
        this.defaultLabel = defaultLabel;
    }

    public String id() {
        return id;
    }

    public Role role() {
        return role;
    }

    /** The graph key in the manifest, or null for RISE (which runs the ABN repeatedly) and the anchors. */
    public String graph() {
        return graph;
    }

    public String output() {
        return output;
    }

    public boolean c1c() {
        return c1c;
    }

    public Iou.Binarisation binarisation() {
        return binarisation;
    }

    /** The description with the fallback label (no manifest at hand). */
    public String description() {
        return description(Map.of());
    }

    /** The description with the graph's label from {@code graphLabels} (the manifest's), else the fallback. */
    public String description(Map<String, String> graphLabels) {
        if (defaultLabel == null) {
            return description;
        }
        return description.replace("{label}", graphLabels.getOrDefault(graph, defaultLabel));
    }

    /** Table 2's methods (paper order), every ablation and the two anchors. */
    public static List<Method> all() {
        return List.of(values());
    }

    /** Parses a method id ("lrp-bn", "rise", …); the message lists the allowed ids. */
    public static Method parse(String s) {
        String k = s.trim().toLowerCase(Locale.ROOT);
        for (Method m : values()) {
            if (m.id.equals(k)) {
                return m;
            }
        }
        StringBuilder ids = new StringBuilder();
        for (Method m : values()) {
            ids.append(ids.length() == 0 ? "" : ", ").append(m.id);
        }
        throw new IllegalArgumentException("unknown method '" + s + "'; expected one of: " + ids);
    }
}
