package org.dino4j.train.bench;

import java.util.Arrays;

/** Order statistics of measurements. */
final class Stats {

    private Stats() {}

    /** The median (the mean of the two middle values for an even count); NaN when there are none. */
    static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
