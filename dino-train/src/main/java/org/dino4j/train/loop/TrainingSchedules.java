package org.dino4j.train.loop;

import org.dino4j.core.schedule.Schedule;

/**
 * The per-iteration and per-epoch schedules of a DINO run.
 *
 * @param lr learning rate per iteration
 * @param weightDecay weight decay per iteration (rises in DINO)
 * @param momentum teacher momentum per iteration (rises to 1)
 * @param teacherTemperature teacher temperature per <em>epoch</em>
 */
public record TrainingSchedules(Schedule lr, Schedule weightDecay, Schedule momentum, Schedule teacherTemperature) {}
