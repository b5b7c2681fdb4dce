/**
 * Teacher targets: how the teacher's logits become the probability distributions the student is trained to match.
 *
 * <p>{@link org.dino4j.core.target.TeacherTargets} is the extension point; {@link
 * org.dino4j.core.target.CenteringSharpening} is DINO's method (subtract a running centre, then a low-temperature
 * softmax), which avoids collapse by balancing the two failure modes: centring alone would give a uniform output,
 * sharpening alone a one-hot one. {@link org.dino4j.core.target.SinkhornKnopp} is DINOv2's alternative: it
 * normalises exp(t / T) so that every prototype is used equally across the batch, without state.
 *
 * <p>State changes are explicit. A training step calls, in this order:
 * <pre>{@code
 * NDArray q = targets.probabilities(teacherLogits, temperature); // uses the centre from before this step
 * NDArray loss = dinoLoss.forward(studentLogits, q);
 * targets.update(teacherLogits);                                 // moves the centre for the next step
 * }</pre>
 * DINOv2's deferred variant of the centre update ({@code stageUpdate} / {@code applyPendingUpdate} of
 * {@link org.dino4j.core.target.CenteringSharpening}) gives the same numbers.
 */
package org.dino4j.core.target;
