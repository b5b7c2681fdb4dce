/**
 * Schedules of the scalar hyper-parameters that change during DINO training: learning rate, weight decay, teacher
 * EMA momentum and teacher temperature.
 *
 * <p>A {@link org.dino4j.core.schedule.Schedule} maps a step to a value and may rise (teacher momentum 0.996 to 1,
 * weight decay 0.04 to 0.4) as well as fall (learning rate). {@link org.dino4j.core.schedule.CosineSchedule}
 * reproduces the official {@code cosine_scheduler} value for value, quirks included;
 * {@link org.dino4j.core.schedule.TeacherTemperatureSchedule} is the DINO loss's epoch-indexed warm-up of the teacher
 * temperature; {@link org.dino4j.core.schedule.ConstantSchedule} holds a fixed value.
 */
package org.dino4j.core.schedule;
