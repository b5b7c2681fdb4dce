package org.dino4j.train.optim;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;
import org.dino4j.train.kernels.ForeachOps;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * AdamW with a weight decay that can change every iteration (DJL's built-in AdamW fixes it), decoupled as in
 * PyTorch: p <- p (1 - lr wd); m <- b1 m + (1 - b1) g; v <- b2 v + (1 - b2) g^2;
 * p <- p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps), with t counted per parameter.
 *
 * <p>A parameter listed as skipped in a step (the frozen last layer during {@code freeze_last_layer}) gets no update
 * at all: no decay, no moment update and no step count, as when PyTorch sees {@code grad = None}.
 *
 * <p>The moments are owned by the optimiser's own manager (on the model's device); each update runs in one native
 * call per parameter, or in one call of PyTorch's fused AdamW per group ({@code foreach}).
 */
public final class AdamW implements AutoCloseable {

    /** Moments and step count of one parameter. */
    public static final class State {
        private final NDArray expAvg;
        private final NDArray expAvgSq;
        private long step;
        private NDArray stepCount;

        State(NDArray expAvg, NDArray expAvgSq, long step) {
            this.expAvg = expAvg;
            this.expAvgSq = expAvgSq;
            this.step = step;
        }

        /** First moment m. */
        public NDArray expAvg() {
            return expAvg;
        }

        /** Second moment v. */
        public NDArray expAvgSq() {
            return expAvgSq;
        }

        /** Number of updates applied to this parameter. */
        public long step() {
            return step;
        }
    }

    private final ParameterGroups groups;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final NDManager manager;
    private final boolean foreach;
    private final LinkedHashMap<String, State> states = new LinkedHashMap<>();

    /**
     * @param groups the parameter groups (weight decay applies to {@code regularized} only)
     * @param beta1 first-moment decay (0.9)
     * @param beta2 second-moment decay (0.999)
     * @param eps added to the denominator (1e-8)
     * @param parent the manager under which the optimiser's state lives (normally the model's)
     */
    public AdamW(ParameterGroups groups, double beta1, double beta2, double eps, NDManager parent) {
        this(groups, beta1, beta2, eps, parent, false);
    }

    /**
     * @param groups the parameter groups (weight decay applies to {@code regularized} only)
     * @param beta1 first-moment decay (0.9)
     * @param beta2 second-moment decay (0.999)
     * @param eps added to the denominator (1e-8)
     * @param parent the manager under which the optimiser's state lives (normally the model's)
     * @param foreach true to update each group in one call of PyTorch's fused AdamW
     *     ({@link ForeachOps#adamw}), false for one call per parameter
     */
    public AdamW(ParameterGroups groups, double beta1, double beta2, double eps, NDManager parent,
                 boolean foreach) {
        this.foreach = foreach;
        this.groups = groups;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.manager = parent.newSubManager();
        this.manager.setName("adamw-state");
        for (Map.Entry<String, Parameter> e : groups.all().entrySet()) {
            NDArray p = e.getValue().getArray();
            states.put(e.getKey(), new State(
                    manager.zeros(p.getShape(), p.getDataType(), p.getDevice()),
                    manager.zeros(p.getShape(), p.getDataType(), p.getDevice()), 0));
        }
    }

    /** The parameter groups. */
    public ParameterGroups groups() {
        return groups;
    }

    /** Per-parameter state, by official name. */
    public Map<String, State> states() {
        return java.util.Collections.unmodifiableMap(states);
    }

    /**
     * Applies one update to every parameter that has a gradient, except {@code skip}.
     *
     * @param lr learning rate of this iteration (both groups)
     * @param weightDecay weight decay of this iteration (regularised group only)
     * @param skip names that get no update this step (treated as grad = None)
     */
    public void step(double lr, double weightDecay, Set<String> skip) {
        if (foreach) {
            stepForeach(lr, weightDecay, skip);
            return;
        }
        for (Map.Entry<String, Parameter> e : groups.all().entrySet()) {
            String name = e.getKey();
            if (skip.contains(name)) {
                continue;
            }
            PtNDArray weight = (PtNDArray) e.getValue().getArray();
            PtNDArray grad = JniUtils.getGradient(weight);
            if (grad == null) {
                continue;
            }
            try (grad) {
                State s = states.get(name);
                s.step++;
                double bc1 = 1 - Math.pow(beta1, s.step);
                double sqrtBc2 = Math.sqrt(1 - Math.pow(beta2, s.step));
                double wd = groups.isRegularized(name) ? weightDecay : 0.0;
                // The native update computes p -= lrc * m / (sqrt(v) + epsc); with lrc = lr sqrt(bc2) / bc1 and
                // epsc = eps sqrt(bc2) this is exactly PyTorch's lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps).
                JniUtils.adamUpdate(weight, grad, (PtNDArray) s.expAvg, (PtNDArray) s.expAvgSq,
                        (float) lr, (float) (lr * sqrtBc2 / bc1), (float) wd, 1f, -1f,
                        (float) beta1, (float) beta2, (float) (eps * sqrtBc2), true);
            }
        }
    }

    private void stepForeach(double lr, double weightDecay, Set<String> skip) {
        try (NDManager scope = manager.newSubManager()) {
            for (boolean regularized : new boolean[] {true, false}) {
                List<State> updated = new ArrayList<>();
                List<NDArray> params = new ArrayList<>();
                List<NDArray> grads = new ArrayList<>();
                List<NDArray> expAvgs = new ArrayList<>();
                List<NDArray> expAvgSqs = new ArrayList<>();
                List<NDArray> steps = new ArrayList<>();
                for (Map.Entry<String, Parameter> e : groups.all().entrySet()) {
                    String name = e.getKey();
                    if (skip.contains(name) || groups.isRegularized(name) != regularized) {
                        continue;
                    }
                    PtNDArray weight = (PtNDArray) e.getValue().getArray();
                    PtNDArray grad = JniUtils.getGradient(weight);
                    if (grad == null) {
                        continue;
                    }
                    grad.attach(scope);
                    State s = states.get(name);
                    if (s.stepCount == null) {
                        s.stepCount = ForeachOps.stepCount(manager, weight, s.step);
                    }
                    updated.add(s);
                    params.add(weight);
                    grads.add(grad);
                    expAvgs.add(s.expAvg);
                    expAvgSqs.add(s.expAvgSq);
                    steps.add(s.stepCount);
                }
                if (!params.isEmpty()) {
                    ForeachOps.adamw(params, grads, expAvgs, expAvgSqs, steps, lr, regularized ? weightDecay : 0.0,
                            beta1, beta2, eps, scope);
                    // counted once the engine has applied the update (the step-count arrays were incremented there)
                    updated.forEach(s -> s.step++);
                }
            }
        }
    }

    /** Whether updates run through PyTorch's fused AdamW (see the constructor). */
    public boolean foreach() {
        return foreach;
    }

    /** Sets every trainable parameter's gradient to zero (PyTorch's {@code zero_grad}). */
    public void zeroGradients() {
        zeroGradients(groups.all().values());
    }

    /**
     * Sets every trainable parameter's gradient to zero, in one engine call when this optimiser is {@code foreach}.
     *
     * @param scope the step's manager (temporary views live there)
     */
    public void zeroGradients(NDManager scope) {
        if (!foreach) {
            zeroGradients();
            return;
        }
        List<NDArray> grads = new ArrayList<>();
        for (Parameter p : groups.all().values()) {
            PtNDArray g = JniUtils.getGradient((PtNDArray) p.getArray());
            if (g != null) {
                g.attach(scope);
                grads.add(g);
            }
        }
        if (!grads.isEmpty()) {
            ForeachOps.zero(grads, scope);
        }
    }

    /** Sets the gradients of the given parameters to zero. */
    public static void zeroGradients(Collection<Parameter> params) {
        for (Parameter p : params) {
            JniUtils.zeroGrad((PtNDArray) p.getArray());
        }
    }

    /**
     * Restores one parameter's state (checkpoint resume).
     *
     * @param name official parameter name
     * @param expAvg values of m
     * @param expAvgSq values of v
     * @param step update count
     */
    public void setState(String name, float[] expAvg, float[] expAvgSq, long step) {
        State s = states.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no optimiser state for '" + name + "'; known: " + states.keySet());
        }
        s.expAvg.set(expAvg);
        s.expAvgSq.set(expAvgSq);
        s.step = step;
        if (s.stepCount != null) {
            s.stepCount.close();
            s.stepCount = null;
        }
    }

    /** {@inheritDoc} */
    @Override
    public void close() {
        manager.close();
    }
}
