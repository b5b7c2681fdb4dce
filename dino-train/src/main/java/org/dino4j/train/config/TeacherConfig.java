package org.dino4j.train.config;

/**
 * The teacher ({@code teacher}).
 *
 * @param update how the teacher follows the student
 * @param momentum EMA momentum lambda at the first iteration
 * @param finalMomentum EMA momentum at the last iteration (cosine schedule from {@code momentum}); ignored unless
 *     {@code update} is {@link TeacherUpdateMethod#EMA}
 */
public record TeacherConfig(TeacherUpdateMethod update,
                            @Range(min = 0, max = 1) double momentum,
                            @Range(min = 0, max = 1) double finalMomentum) {}
