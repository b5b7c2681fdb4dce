package org.dino4j.train.loop;

/**
 * What one training step reports; plain numbers, so nothing native outlives the step.
 *
 * @param iteration global iteration (0-based)
 * @param epoch epoch (0-based)
 * @param loss the DINO loss of this step
 * @param lr learning rate used
 * @param weightDecay weight decay used
 * @param momentum teacher momentum used (NaN when the teacher update is not an EMA)
 * @param teacherTemperature teacher temperature used
 */
public record StepResult(long iteration, int epoch, double loss, double lr, double weightDecay, double momentum,
                         double teacherTemperature) {}
