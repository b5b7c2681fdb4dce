package org.dino4j.core.interop;

import java.util.List;

/**
 * One parameter group of an official AdamW state. DINO has two: group 0 the regularised parameters (not 1-D and
 * not {@code .bias}), group 1 the others, with weight decay 0.
 *
 * @param params the parameters, by student name without DDP's {@code module.} prefix (e.g.
 *     {@code backbone.cls_token}), in the group's order
 * @param lr the learning rate last set by the schedule
 * @param weightDecay the weight decay last set (0 for group 1)
 * @param beta1 Adam's beta1
 * @param beta2 Adam's beta2
 * @param eps Adam's eps
 */
public record OptimizerParamGroup(List<String> params, double lr, double weightDecay, double beta1, double beta2,
                                  double eps) {

    /** Copies the names. */
    public OptimizerParamGroup {
        params = List.copyOf(params);
    }
}
