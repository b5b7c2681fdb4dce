package org.dino4j.train.config;

/**
 * The DINO loss ({@code loss}): cross-entropy between the sharpened, centred teacher distribution and the student
 * distribution over K prototypes.
 *
 * @param studentTemp student softmax temperature tau_s
 * @param teacherTemp teacher temperature tau_t after its warm-up (sharpening: lower than tau_s)
 * @param warmupTeacherTemp teacher temperature at epoch 0, rising linearly to {@code teacherTemp}
 * @param warmupTeacherTempEpochs epochs of the teacher-temperature warm-up (0 = constant {@code teacherTemp})
 * @param centerMomentum momentum m of the centre c &lt;- m c + (1 - m) mean(teacher logits)
 */
public record LossConfig(@Range(min = 0, minExclusive = true) double studentTemp,
                         @Range(min = 0, minExclusive = true) double teacherTemp,
                         @Range(min = 0, minExclusive = true) double warmupTeacherTemp,
                         @Range(min = 0) int warmupTeacherTempEpochs,
                         @Range(min = 0, max = 1) double centerMomentum) {}
