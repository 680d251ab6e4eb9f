/**
 * Explanations: C1C ({@link org.crackcam.explain.C1c}, the coarse region), the crack-shaped mask
 * from the relevance inside that region ({@link org.crackcam.explain.CrackMask}), tile masks into
 * frame coordinates ({@link org.crackcam.explain.MaskMapper}), the mask encoding
 * ({@link org.crackcam.explain.MaskRle}) and overlays ({@link org.crackcam.explain.OverlayRenderer}).
 */
package org.crackcam.explain;
