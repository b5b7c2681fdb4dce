package org.dino4j.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;
import org.dino4j.core.nn.DinoBlock;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The fused AdamW ({@code foreach}) and the per-parameter one agree over many steps, skips and a resume. */
class AdamWForeachTest {

    private static Map<String, Parameter> params(NDManager m) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        Shape[] shapes = {new Shape(6, 4), new Shape(4), new Shape(3, 2, 2), new Shape()};
        String[] names = {"blocks.0.fc.weight", "blocks.0.fc.bias", "head.last_layer.weight_v", "scale"};
        m.getEngine().setRandomSeed(11);
        for (int i = 0; i < shapes.length; i++) {
            Parameter p = Parameter.builder().setName(names[i]).setType(Parameter.Type.OTHER)
                    .build();
            NDArray a = m.randomNormal(shapes[i]);
            p.setArray(a);
            a.setRequiresGradient(true);
            out.put(names[i], p);
        }
        return out;
    }

    /** Gradients of sum(p * w) with w a fixed function of the step: exactly w. */
    private static void setGradients(Map<String, Parameter> params, int step) {
        NDManager owner = params.values().iterator().next().getArray().getManager();
        for (Parameter p : params.values()) {
            try (PtNDArray g = JniUtils.getGradient((PtNDArray) p.getArray())) {
                if (g != null) {
                    JniUtils.zeroGrad((PtNDArray) p.getArray());
                }
            }
        }
        try (NDManager s = owner.newSubManager();
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray loss = null;
            int k = 0;
            for (Parameter p : params.values()) {
                NDArray a = p.getArray();
                float[] values = new float[(int) a.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) Math.sin(0.7 * i + 1.3 * step + k);
                }
                NDArray term = DinoBlock.alias(a, s).mul(s.create(values, a.getShape())).sum();
                loss = loss == null ? term : loss.add(term);
                k++;
            }
            gc.backward(loss);
        }
    }

    @Test
    void fusedAndPerParameterUpdatesAgreeAcrossSkipsAndResume() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, Parameter> a = params(m);
            Map<String, Parameter> b = params(m);
            try (AdamW perParameter = new AdamW(ParameterGroups.of(a), 0.9, 0.999, 1e-8, m, false);
                 AdamW fused = new AdamW(ParameterGroups.of(b), 0.9, 0.999, 1e-8, m, true)) {
                for (int step = 0; step < 8; step++) {
                    setGradients(a, step);
                    setGradients(b, step);
                    Set<String> skip = step < 3 ? Set.of("head.last_layer.weight_v") : Set.of();
                    double lr = 1e-3 * (step + 1);
                    double wd = 0.04 + 0.01 * step;
                    perParameter.step(lr, wd, skip);
                    fused.step(lr, wd, skip);
                    if (step == 4) {
                        // a resume: the fused optimiser's state is replaced by the per-parameter one's
                        for (Map.Entry<String, AdamW.State> e : perParameter.states().entrySet()) {
                            fused.setState(e.getKey(), e.getValue().expAvg().toFloatArray(),
                                    e.getValue().expAvgSq().toFloatArray(), e.getValue().step());
                        }
                        b.forEach((name, p) -> p.getArray().set(a.get(name).getArray().toFloatArray()));
                    }
                }
                for (String name : a.keySet()) {
                    assertEquals(perParameter.states().get(name).step(), fused.states().get(name).step(), name);
                    float[] x = a.get(name).getArray().toFloatArray();
                    float[] y = b.get(name).getArray().toFloatArray();
                    for (int i = 0; i < x.length; i++) {
                        assertEquals(x[i], y[i], 1e-6 * Math.max(1, Math.abs(x[i])), name + "[" + i + "]");
                    }
                }
                assertEquals(5, fused.states().get("head.last_layer.weight_v").step(), "skipped in 3 of 8 steps");
            }
        }
    }

    @Test
    void fusedUpdatesLeaveTheGradModeAlone() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, Parameter> a = params(m);
            try (AdamW fused = new AdamW(ParameterGroups.of(a), 0.9, 0.999, 1e-8, m, true)) {
                for (boolean mode : new boolean[] {true, false}) {
                    JniUtils.setGradMode(mode);
                    setGradients(a, 0);
                    try (NDManager scope = m.newSubManager()) {
                        GradientClipping.clipPerTensor(fused.groups().all(), 1.0, scope, true);
                        fused.step(1e-3, 0.04, Set.of());
                        fused.zeroGradients(scope);
                    }
                    assertEquals(mode, JniUtils.isGradMode());
                }
                JniUtils.setGradMode(false);
            }
        }
    }
}
