/**
 * The hand-over types between stages: what the detection pipeline produces per frame and
 * what the alert stage consumes. Plain immutable values; coordinates are frame pixels with
 * the origin at the top-left corner.
 */
package org.crackcam.pipeline;
