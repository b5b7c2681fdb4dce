package org.dino4j.core.schedule;

/** Numerics shared by the schedules, written to give numpy's results bit for bit. */
final class Schedules {

    private Schedules() {}

    static void checkStep(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0 (steps count from 0), got " + step);
        }
    }

    /**
     * numpy's {@code linspace(start, stop, n)} with both endpoints: element i is {@code start + i * step} with
     * {@code step = (stop - start) / (n - 1)}, and the last element is set to {@code stop} exactly. For n = 1 the
     * result is {@code [start]} (numpy's step is undefined there and the start wins).
     */
    static double[] linspace(double start, double stop, int n) {
        double[] out = new double[n];
        if (n == 0) {
            return out;
        }
        if (n == 1) {
            out[0] = start;
            return out;
        }
        double delta = stop - start;
        double step = delta / (n - 1);
        for (int i = 0; i < n; i++) {
            // numpy divides i by (n - 1) first when the step underflows to zero; the two orders agree otherwise.
            out[i] = (step == 0 ? (i / (double) (n - 1)) * delta : i * step) + start;
        }
        out[n - 1] = stop;
        return out;
    }

    /** The value at {@code step} of a tabulated schedule, holding the last value after the end. */
    static double clamped(double[] values, long step) {
        checkStep(step);
        return values[(int) Math.min(step, values.length - 1)];
    }
}
