package org.dino4j.train.config;

/** How the teacher follows the student ({@code teacher.update}), the three variants of the DINO paper's ablation. */
public enum TeacherUpdateMethod implements ConfigName {
    /** Exponential moving average of the student, momentum following a cosine schedule (DINO's choice). */
    EMA("ema"),
    /** A copy of the student taken at the end of each epoch. */
    PREVIOUS_EPOCH("previous_epoch"),
    /** A copy of the student from the previous iteration (does not converge in the paper). */
    PREVIOUS_ITERATION("previous_iteration");

    private final String configName;

    TeacherUpdateMethod(String configName) {
        this.configName = configName;
    }

    /** {@inheritDoc} */
    @Override
    public String configName() {
        return configName;
    }
}
