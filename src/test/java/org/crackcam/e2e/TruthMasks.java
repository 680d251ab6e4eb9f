package org.crackcam.e2e;

import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Scalar;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Rasterises a truth crack with OpenCV, per the drive's polygon rule:
 * {@code fill(polygons) − fill(holes) + outline(holes)}.
 */
final class TruthMasks {

    private TruthMasks() {
    }

    /** 0/1 mask (row-major, {@code w × h}) of one truth crack. */
    static byte[] rasterize(JsonNode crack, int w, int h) {
        byte[] out = new byte[w * h];
        try (Mat m = new Mat(h, w, opencv_core.CV_8UC1, new Scalar(0.0));
             MatVector outer = polys(crack.path("polygons")); MatVector holes = polys(crack.path("holes"));
             Scalar one = new Scalar(1.0); Scalar zero = new Scalar(0.0)) {
            if (outer.size() > 0) {
                opencv_imgproc.fillPoly(m, outer, one);
            }
            if (holes.size() > 0) {
                opencv_imgproc.fillPoly(m, holes, zero);
                opencv_imgproc.polylines(m, holes, true, one);
            }
            m.data().get(out);
        }
        return out;
    }

    private static MatVector polys(JsonNode list) {
        MatVector v = new MatVector(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonNode poly = list.get(i);
            int[] xy = new int[poly.size() * 2];
            for (int k = 0; k < poly.size(); k++) {
                xy[2 * k] = poly.get(k).get(0).asInt();
                xy[2 * k + 1] = poly.get(k).get(1).asInt();
            }
            Mat pts = new Mat(poly.size(), 1, opencv_core.CV_32SC2);
            new IntPointer(pts.data()).put(xy);
            v.put(i, pts);
        }
        return v;
    }
}
