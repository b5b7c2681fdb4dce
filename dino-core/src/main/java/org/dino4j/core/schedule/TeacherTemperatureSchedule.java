package org.dino4j.core.schedule;

/**
 * The DINO loss's teacher temperature, indexed by <em>epoch</em> (not iteration): a linear warm-up from
 * {@code warmupTemperature} to {@code temperature} over {@code warmupEpochs} epochs, then constant.
 *
 * <p>As in the official code the warm-up is {@code linspace(warmup, temperature, warmupEpochs)} with both ends
 * included, so the final temperature is already reached at epoch {@code warmupEpochs - 1}: (0.04, 0.07, 3) gives
 * 0.04, 0.055, 0.07, 0.07, ... After {@code epochs} the temperature stays at {@code temperature}.
 */
public final class TeacherTemperatureSchedule implements Schedule {

    private final double warmupTemperature;
    private final double temperature;
    private final double[] values;

    /**
     * @param warmupTemperature the temperature at epoch 0 (e.g. 0.04)
     * @param temperature the temperature after warm-up (e.g. 0.04, or 0.07 for long runs)
     * @param warmupEpochs the warm-up length in epochs (e.g. 30; 0 for none)
     * @param epochs the number of training epochs
     * @throws IllegalArgumentException if a temperature is not positive or a count is out of range
     */
    public TeacherTemperatureSchedule(double warmupTemperature, double temperature, int warmupEpochs, int epochs) {
        if (!(warmupTemperature > 0) || !(temperature > 0)) {
            throw new IllegalArgumentException("teacher temperatures must be positive, got warm-up "
                    + warmupTemperature + " and final " + temperature);
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        if (warmupEpochs < 0 || warmupEpochs > epochs) {
            throw new IllegalArgumentException("warmupEpochs must be between 0 and epochs = " + epochs + ", got "
                    + warmupEpochs);
        }
        this.warmupTemperature = warmupTemperature;
        this.temperature = temperature;
        this.values = new double[epochs];
        double[] warmup = Schedules.linspace(warmupTemperature, temperature, warmupEpochs);
        System.arraycopy(warmup, 0, values, 0, warmupEpochs);
        for (int e = warmupEpochs; e < epochs; e++) {
            values[e] = temperature;
        }
    }

    /**
     * The teacher temperature of one epoch.
     *
     * @param epoch the epoch, counted from 0
     * @return the temperature
     */
    @Override
    public double valueAt(long epoch) {
        Schedules.checkStep(epoch);
        return epoch < values.length ? values[(int) epoch] : temperature;
    }

    /** The temperature at epoch 0. */
    public double warmupTemperature() {
        return warmupTemperature;
    }

    /** The temperature after warm-up. */
    public double temperature() {
        return temperature;
    }

    /** A copy of the per-epoch table. */
    public double[] values() {
        return values.clone();
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "TeacherTemperatureSchedule[" + warmupTemperature + " -> " + temperature + ", epochs="
                + values.length + "]";
    }
}
