"""LRP-BN (method.md §3) and the baseline explanations as plain tensor graphs, ready for ONNX.

Everything here is made of explicit, exportable tensor ops and never calls autograd, so that
``torch.onnx.export`` turns a graph module into a standalone relevance graph. The rules and
the reasons for them are in docs/lrp-rules.md; the independent reference is
tools/lrp_reference.py. Zennit's layout: one propagation mechanism, small rule objects, a
composite that maps layers to rules, canonizers apart.

=================  ==========================================================================
module             what it holds
=================  ==========================================================================
``canonizers``     BatchNorm folding (float64): conv→BN, BN→1×1 conv→BN
``operators``      linear operators with adjoints: Conv, SumPool, Dense, GlobalSum
``rules``          layer rules: ZPlus (eq. 3), ZBox (zB), Proportional (max-pool, GAP),
                   Epsilon (plain z-rule), Pass (ReLU)
``joins``          start (probability), gate (all to h), branches (eq. 4 / perception only),
                   skip rules (eq. 5 with γ, relevance splitting, proportional)
``composites``     which rule each layer gets: LRPBN(gamma, skip), PlainLRP()
``core``           Step (one operator under one rule) and propagate, the one backward routine
``graph_size``     how a step becomes few ONNX nodes: adjoint forms (flipped-kernel Conv,
                   sub-pixel Conv + DepthToSpace, ConvTranspose), phase-space channel sum,
                   ε in the bias, γ in the weights, pre-activation reuse, MatMul upscaling
``network``        FoldedABN: the canonized ABN bound to a composite; forward once, back once
``graphs``         the exported modules: LRPGraph, ABNGraph, GradCAMGraph
=================  ==========================================================================

The names below are re-exported so that ``from tools import lrp; lrp.LRPGraph(...)`` works.
"""
from tools.lrp.canonizers import BatchNormFold, bn_affine, fold_bn_conv_bn, fold_conv_bn
from tools.lrp.composites import LAYER_KINDS, SKIP_RULES, Composite, LRPBN, PlainLRP, input_bounds
from tools.lrp.core import Step, Terms, combine_terms, propagate
from tools.lrp.graph_size import ConvAdjoint, Upscale, conv_padded, interpolation_matrix, lower_step
from tools.lrp.graphs import GRAPH_OUTPUTS, ABNGraph, GradCAMGraph, LRPGraph
from tools.lrp.joins import (AllToH, BranchSum, PaperSkip, PerceptionOnly, ProbabilityStart,
                             ProportionalSkip, SkipRule, SplitSkip)
from tools.lrp.network import FoldedABN, FoldedBlock
from tools.lrp.operators import Conv, Dense, GlobalSum, SumPool
from tools.lrp.rules import (EPS_PLAIN, EPS_SPLIT, EPS_ZPLUS, Epsilon, Pass, Proportional, Rule, ZBox,
                             ZPlus, identity, negative, positive)

__all__ = [
    "BatchNormFold", "bn_affine", "fold_bn_conv_bn", "fold_conv_bn",
    "LAYER_KINDS", "SKIP_RULES", "Composite", "LRPBN", "PlainLRP", "input_bounds",
    "Step", "Terms", "combine_terms", "propagate",
    "ConvAdjoint", "Upscale", "conv_padded", "interpolation_matrix", "lower_step",
    "GRAPH_OUTPUTS", "ABNGraph", "GradCAMGraph", "LRPGraph",
    "AllToH", "BranchSum", "PaperSkip", "PerceptionOnly", "ProbabilityStart", "ProportionalSkip",
    "SkipRule", "SplitSkip",
    "FoldedABN", "FoldedBlock",
    "Conv", "Dense", "GlobalSum", "SumPool",
    "EPS_PLAIN", "EPS_SPLIT", "EPS_ZPLUS", "Epsilon", "Pass", "Proportional", "Rule", "ZBox", "ZPlus",
    "identity", "negative", "positive",
]
