package org.dino4j.core.schedule;

/**
 * A schedule that never changes, e.g. a fixed teacher momentum or a fixed teacher temperature.
 *
 * @param value the value at every step
 */
public record ConstantSchedule(double value) implements Schedule {

    /** {@inheritDoc} */
    @Override
    public double valueAt(long step) {
        Schedules.checkStep(step);
        return value;
    }
}
