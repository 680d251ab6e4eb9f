package org.crackcam.evaluate;

import java.util.List;
import java.util.Locale;

/**
 * The explainers and ablations this evaluation knows, with the graph output each one reads
 * and how its map is binarised for IoU. {@code c1c} = the map is passed through C1C (the
 * runtime's) before scoring, as the shipped LRP-BN explanation is.
 */
public enum Method {
    LRP_BN("lrp-bn", Role.OURS, "lrp_bn", "explanation", true, Iou.Binarisation.POSITIVE,
            "LRP-BN: C1C(R ⊙ α'), γ = bundle's (0.5)"),
    CRACK_MASK("crack-mask", Role.OURS, "lrp_bn", "relevance", true, Iou.Binarisation.POSITIVE,
            "the runtime's crack-shaped mask (alerts' mask): top 5 % of R inside the C1C region; R on the mask, 0 "
                    + "elsewhere"),
    RISE("rise", Role.BASELINE, null, null, false, Iou.Binarisation.MEAN,
            "RISE saliency scored by repeated ABN passes"),
    GRADCAM("gradcam", Role.BASELINE, "gradcam", "cam", false, Iou.Binarisation.MEAN, "GradCAM"),
    LRP("lrp", Role.BASELINE, "lrp_plain", "relevance", false, Iou.Binarisation.MEAN, "plain LRP (ε-rule, as the lrp_plain graph computes it)"),
    ABN("abn", Role.BASELINE, "lrp_bn", "alpha_up", false, Iou.Binarisation.MEAN,
            "ABN attention α' (bilinearly upscaled); also the ablation 'α' alone'"),
    R_ONLY("r-only", Role.ABLATION, "lrp_bn", "relevance", false, Iou.Binarisation.MEAN,
            "ablation: LRP-BN relevance R alone"),
    R_ALPHA("r-alpha", Role.ABLATION, "lrp_bn", "explanation", false, Iou.Binarisation.MEAN,
            "ablation: R ⊙ α' without C1C"),
    GAMMA0("gamma0", Role.ABLATION, "lrp_bn_gamma0", "explanation", true, Iou.Binarisation.POSITIVE,
            "ablation: LRP-BN with γ = 0, C1C"),
    GAMMA1("gamma1", Role.ABLATION, "lrp_bn_gamma1", "explanation", true, Iou.Binarisation.POSITIVE,
            "ablation: LRP-BN with γ = 1, C1C"),
    SPLIT("split", Role.ABLATION, "lrp_bn_split", "explanation", true, Iou.Binarisation.POSITIVE,
            "ablation: relevance-splitting skip rule instead of eq. 5, C1C"),
    TRUTH("truth", Role.ANCHOR, null, null, false, Iou.Binarisation.TOP_K_MASK_AREA,
            "anchor (ceiling): pixels ranked by distance to the crack mask; crack images with a mask only"),
    RANDOM("random", Role.ANCHOR, null, null, false, Iou.Binarisation.MEAN,
            "anchor (floor): a seeded random ranking");

    /** Whose method it is, for the table's grouping. */
    public enum Role { OURS, BASELINE, ABLATION, ANCHOR }

    private final String id;
    private final Role role;
    private final String graph;
    private final String output;
    private final boolean c1c;
    private final Iou.Binarisation binarisation;
    private final String description;

    Method(String id, Role role, String graph, String output, boolean c1c, Iou.Binarisation binarisation,
           String description) {
        this.id = id;
        this.role = role;
        this.graph = graph;
        this.output = output;
        this.c1c = c1c;
        this.binarisation = binarisation;
        this.description = description;
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

    public String description() {
        return description;
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
