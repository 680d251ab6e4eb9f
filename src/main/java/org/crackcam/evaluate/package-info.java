/**
 * The paper's evaluation (method.md §5): accuracy, Insertion / Deletion / ID and IoU for the
 * LRP-BN explanation, its baselines (plain LRP, GradCAM, ABN attention, RISE) and ablations,
 * measured on the shipped ONNX graphs with ONNX Runtime — under several substrates
 * ({@link org.crackcam.evaluate.Substrate}, ROAD's {@link org.crackcam.evaluate.LinearImputer}),
 * with the {@link org.crackcam.evaluate.Anchors truth and random anchors} that tell whether a
 * substrate's numbers mean anything, and crack-mask scores with a pixel tolerance
 * ({@link org.crackcam.evaluate.MaskMetrics}). {@link org.crackcam.evaluate.DriveScore} scores
 * the runtime on a drive with per-frame truth ({@code crackcam score-drive}).
 *
 * <p>The metric code works against two small interfaces, {@link org.crackcam.evaluate.Scorer}
 * (images → class probabilities) and {@link org.crackcam.evaluate.Graphs} (images →
 * H×W maps), so that it is tested with analytic toy models and checked against an independent
 * numpy re-implementation ({@code tools/eval_reference.py}). Every choice the paper leaves open
 * is a field of {@link org.crackcam.evaluate.InsertionDeletion.Config} or
 * {@link org.crackcam.evaluate.Rise.Config} and is written into the results; docs/evaluation.md
 * states them in words.
 *
 * <p>Images are {@code float[3·H·W]}, CHW, RGB in [0, 1] (the graphs' input contract, before
 * their in-graph normalisation); maps are {@code float[H·W]} in row-major order.
 */
package org.crackcam.evaluate;
