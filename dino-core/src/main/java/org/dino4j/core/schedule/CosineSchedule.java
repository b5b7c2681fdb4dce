package org.dino4j.core.schedule;

import java.util.Arrays;

/**
 * The official DINO {@code cosine_scheduler}: a linear warm-up followed by a half-cosine from the base value to the
 * final value, tabulated per iteration.
 *
 * <p>The table has {@code epochs * itersPerEpoch} entries, computed in double exactly as numpy does:
 * <ul>
 *   <li>warm-up: {@code linspace(startWarmupValue, base, W)} with both endpoints included, W warm-up iterations
 *       (with W = 1 this is just {@code [startWarmupValue]});</li>
 *   <li>then, with N = length - W, entry i = 0..N-1 is {@code final + 0.5 (base - final)(1 + cos(pi i / N))}.</li>
 * </ul>
 * Two quirks follow and are kept on purpose, because the official runs were trained with them: the base value
 * appears twice (last warm-up entry and first cosine entry), and the final value is never reached (the last entry is
 * one cosine step short of it).
 *
 * <p>After the end of the table {@link #valueAt} holds the <em>last entry</em>, so a run resumed for extra iterations
 * keeps a sensible value. (The official DINO code would fail with an index error there; DINOv2's scheduler returns
 * the final value instead.)
 */
public final class CosineSchedule implements Schedule {

    private final double baseValue;
    private final double finalValue;
    private final int warmupIterations;
    private final double[] values;

    private CosineSchedule(double baseValue, double finalValue, int warmupIterations, double[] values) {
        this.baseValue = baseValue;
        this.finalValue = finalValue;
        this.warmupIterations = warmupIterations;
        this.values = values;
    }

    /**
     * A schedule without warm-up, such as the official teacher momentum (0.996 to 1) or weight decay (0.04 to 0.4).
     *
     * @param baseValue the value at iteration 0
     * @param finalValue the value the cosine approaches
     * @param epochs the number of epochs
     * @param itersPerEpoch iterations per epoch
     * @return the schedule
     */
    public static CosineSchedule fromEpochs(double baseValue, double finalValue, int epochs, int itersPerEpoch) {
        return fromEpochs(baseValue, finalValue, epochs, itersPerEpoch, 0, 0);
    }

    /**
     * The official {@code cosine_scheduler(base, final, epochs, niter_per_ep, warmup_epochs, start_warmup_value)}:
     * {@code warmupEpochs * itersPerEpoch} warm-up iterations.
     *
     * @param baseValue the value at the end of warm-up (the peak learning rate)
     * @param finalValue the value the cosine approaches
     * @param epochs the number of epochs
     * @param itersPerEpoch iterations per epoch
     * @param warmupEpochs warm-up epochs, 0 for none
     * @param startWarmupValue the value at iteration 0 when there is a warm-up
     * @return the schedule
     * @throws IllegalArgumentException if a count is out of range or the warm-up is longer than the schedule
     */
    public static CosineSchedule fromEpochs(double baseValue, double finalValue, int epochs, int itersPerEpoch,
                                            int warmupEpochs, double startWarmupValue) {
        if (warmupEpochs < 0) {
            throw new IllegalArgumentException("warmupEpochs must be >= 0 (0 for no warm-up), got " + warmupEpochs);
        }
        checkCounts(epochs, itersPerEpoch);
        return withWarmupIterations(baseValue, finalValue, epochs, itersPerEpoch,
                (long) warmupEpochs * itersPerEpoch, startWarmupValue);
    }

    /**
     * Like {@link #fromEpochs(double, double, int, int, int, double)} with the warm-up given in iterations (the
     * official {@code warmup_steps} variant).
     *
     * @param baseValue the value at the end of warm-up
     * @param finalValue the value the cosine approaches
     * @param epochs the number of epochs
     * @param itersPerEpoch iterations per epoch
     * @param warmupIterations warm-up iterations, 0 for none
     * @param startWarmupValue the value at iteration 0 when there is a warm-up
     * @return the schedule
     * @throws IllegalArgumentException if a count is out of range or the warm-up is longer than the schedule
     */
    public static CosineSchedule withWarmupIterations(double baseValue, double finalValue, int epochs,
                                                      int itersPerEpoch, long warmupIterations,
                                                      double startWarmupValue) {
        checkCounts(epochs, itersPerEpoch);
        long total = (long) epochs * itersPerEpoch;
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("schedule too long to tabulate: epochs " + epochs + " x itersPerEpoch "
                    + itersPerEpoch + " = " + total + " iterations");
        }
        if (warmupIterations < 0) {
            throw new IllegalArgumentException(
                    "warmupIterations must be >= 0 (0 for no warm-up), got " + warmupIterations);
        }
        if (warmupIterations > total) {
            throw new IllegalArgumentException("a warm-up of " + warmupIterations
                    + " iterations is longer than the schedule (epochs " + epochs + " x itersPerEpoch "
                    + itersPerEpoch + " = " + total + " iterations); use a shorter warm-up");
        }
        int w = (int) warmupIterations;
        double[] values = new double[(int) total];
        System.arraycopy(Schedules.linspace(startWarmupValue, baseValue, w), 0, values, 0, w);
        int n = values.length - w;
        // Same operation order as the official numpy expression, so the values agree to the last bit or so.
        double halfRange = 0.5 * (baseValue - finalValue);
        for (int i = 0; i < n; i++) {
            values[w + i] = finalValue + halfRange * (1 + Math.cos(Math.PI * i / n));
        }
        return new CosineSchedule(baseValue, finalValue, w, values);
    }

    private static void checkCounts(int epochs, int itersPerEpoch) {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        if (itersPerEpoch < 1) {
            throw new IllegalArgumentException("itersPerEpoch must be >= 1, got " + itersPerEpoch);
        }
    }

    /**
     * The value at one iteration; after the last iteration, the last entry of the table.
     *
     * @param step the global iteration {@code epoch * itersPerEpoch + it}
     * @return the value
     */
    @Override
    public double valueAt(long step) {
        return Schedules.clamped(values, step);
    }

    /** The number of tabulated iterations, {@code epochs * itersPerEpoch}. */
    public int length() {
        return values.length;
    }

    /** The warm-up length in iterations. */
    public int warmupIterations() {
        return warmupIterations;
    }

    /** The value at the end of warm-up. */
    public double baseValue() {
        return baseValue;
    }

    /** The value the cosine approaches (never reached by the table). */
    public double finalValue() {
        return finalValue;
    }

    /** A copy of the whole table, one value per iteration. */
    public double[] values() {
        return values.clone();
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "CosineSchedule[base=" + baseValue + ", final=" + finalValue + ", length=" + values.length
                + ", warmupIterations=" + warmupIterations + "]";
    }

    /** {@inheritDoc} */
    @Override
    public boolean equals(Object o) {
        return o instanceof CosineSchedule c && Arrays.equals(values, c.values);
    }

    /** {@inheritDoc} */
    @Override
    public int hashCode() {
        return Arrays.hashCode(values);
    }
}
