package org.dino4j.train.optim;

import ai.djl.nn.Parameter;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The official DINO split of trainable parameters into two AdamW groups: weight decay applies to every tensor
 * except biases and 1-D tensors (LayerNorm / BatchNorm parameters).
 *
 * @param regularized names and parameters that receive weight decay, in model order
 * @param notRegularized names and parameters without weight decay, in model order
 */
public record ParameterGroups(LinkedHashMap<String, Parameter> regularized,
                              LinkedHashMap<String, Parameter> notRegularized) {

    /**
     * Splits trainable parameters as {@code utils.get_params_groups} does.
     *
     * @param trainable trainable parameters under their official names
     * @return the two groups
     */
    public static ParameterGroups of(Map<String, Parameter> trainable) {
        LinkedHashMap<String, Parameter> reg = new LinkedHashMap<>();
        LinkedHashMap<String, Parameter> noReg = new LinkedHashMap<>();
        trainable.forEach((name, p) -> {
            if (!p.requiresGradient()) {
                return;
            }
            if (name.endsWith(".bias") || p.getShape().dimension() == 1) {
                noReg.put(name, p);
            } else {
                reg.put(name, p);
            }
        });
        return new ParameterGroups(reg, noReg);
    }

    /** Whether {@code name} receives weight decay. */
    public boolean isRegularized(String name) {
        return regularized.containsKey(name);
    }

    /** Every parameter of both groups, regularised first (the official group order). */
    public LinkedHashMap<String, Parameter> all() {
        LinkedHashMap<String, Parameter> out = new LinkedHashMap<>(regularized);
        out.putAll(notRegularized);
        return out;
    }
}
