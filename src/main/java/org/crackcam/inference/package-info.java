/**
 * Inference: the ABN stage ({@link org.crackcam.inference.AbnStage}), the LRP-BN relevance
 * stage ({@link org.crackcam.inference.RelevanceStage}) and the per-frame
 * {@link org.crackcam.inference.Detector} that ties tiles, both graphs and C1C together.
 */
package org.crackcam.inference;
