package org.dino4j.core.interop;

/** Which of the two networks of a self-distillation checkpoint to take. */
public enum TrainingRole {
    /** The student ({@code student}, with DDP's {@code module.} prefix in DINO checkpoints). */
    STUDENT,
    /**
     * The teacher ({@code teacher}): the EMA of the student, the network DINO evaluates and releases; the usual
     * choice for features.
     */
    TEACHER;

    /** The checkpoint key, {@code student} or {@code teacher}. */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
