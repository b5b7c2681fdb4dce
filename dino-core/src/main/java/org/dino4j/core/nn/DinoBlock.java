package org.dino4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.util.PairList;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A DJL block whose parameters carry the official PyTorch state-dict names.
 *
 * <p>Each block declares its own parameters ({@link #param}) and named children ({@link #child}) with the local
 * names the official module uses ({@code qkv}, {@code weight}, {@code blocks.0}); {@link #stateDict()} joins them
 * with dots, in declaration order, exactly as {@code module.state_dict()} does. Everything is also registered with
 * DJL's {@link AbstractBlock}, so DJL's {@code getParameters()}, {@code saveParameters} and gradient collection
 * work unchanged.
 *
 * <p>Memory: a DJL op's result is attached to its first operand's manager. {@link #value(Parameter, NDArray)}
 * temporarily attaches a parameter's array to the manager of the activation it meets, so that ops which start
 * from a parameter (weight norm, CLS token, positional embedding) put their results in the caller's step scope,
 * not into the model's manager. The parameter returns to its owner when that scope closes.
 */
public abstract class DinoBlock extends AbstractBlock {

    private final LinkedHashMap<String, Parameter> ownParameters = new LinkedHashMap<>();
    private final LinkedHashMap<String, Init> ownInits = new LinkedHashMap<>();
    private final LinkedHashMap<String, DinoBlock> namedChildren = new LinkedHashMap<>();
    private final java.util.HashSet<String> ownBuffers = new java.util.HashSet<>();
    private Kernels kernels = Kernels.REFERENCE;

    /**
     * Declares a parameter of this block.
     *
     * @param name the official local name ({@code weight}, {@code cls_token})
     * @param shape its shape, in the official layout
     * @param init how it starts
     * @return the DJL parameter
     */
    protected final Parameter param(String name, Shape shape, Init init) {
        return param(name, shape, init, true);
    }

    /**
     * Declares a parameter of this block, optionally frozen (PyTorch's {@code requires_grad = False}).
     *
     * @param name the official local name
     * @param shape its shape
     * @param init how it starts
     * @param trainable false for a parameter that never receives a gradient
     * @return the DJL parameter
     */
    protected final Parameter param(String name, Shape shape, Init init, boolean trainable) {
        if (ownParameters.containsKey(name)) {
            throw new IllegalArgumentException("duplicate parameter name: " + name);
        }
        Parameter p =
                addParameter(
                        Parameter.builder()
                                .setName(name)
                                .setType(Parameter.Type.OTHER)
                                .optShape(shape)
                                .optInitializer(new SeededInitializer(init, name.hashCode()))
                                .optRequiresGrad(trainable)
                                .build());
        ownParameters.put(name, p);
        ownInits.put(name, init);
        return p;
    }

    /**
     * Declares a buffer: state that is saved in the state dict but is not a parameter (PyTorch's
     * {@code register_buffer}, e.g. BatchNorm's {@code running_mean}). Buffers never receive gradients, are not
     * optimised and are not part of {@link #parameters()} (so the teacher's EMA, which runs over parameters as the
     * official code does, leaves them alone).
     *
     * @param name the official local name
     * @param shape its shape
     * @param init its initial value
     * @return the DJL parameter that holds the buffer's array
     */
    protected final Parameter buffer(String name, Shape shape, Init init) {
        Parameter p = param(name, shape, init, false);
        ownBuffers.add(name);
        return p;
    }

    /**
     * Declares a named child block.
     *
     * @param name the official attribute path of the child ({@code attn}, {@code blocks.0}, {@code mlp.0})
     * @param block the child
     * @param <B> its type
     * @return the child
     */
    protected final <B extends DinoBlock> B child(String name, B block) {
        if (namedChildren.containsKey(name)) {
            throw new IllegalArgumentException("duplicate child name: " + name);
        }
        namedChildren.put(name, block);
        return addChildBlock(name.replace('.', '_'), block);
    }

    /**
     * Sets the compute kernels of this block and all its descendants (see {@link Kernels}); blocks start with
     * {@link Kernels#REFERENCE}. Set them before a step, not during one.
     *
     * @param kernels the kernels to use
     * @return this block
     */
    public final DinoBlock useKernels(Kernels kernels) {
        this.kernels = java.util.Objects.requireNonNull(kernels, "kernels");
        for (DinoBlock c : namedChildren.values()) {
            c.useKernels(kernels);
        }
        return this;
    }

    /** The compute kernels this block uses. */
    public final Kernels kernels() {
        return kernels;
    }

    /** The named children of this block, in declaration order. */
    public final Map<String, DinoBlock> namedChildren() {
        return Collections.unmodifiableMap(namedChildren);
    }

    /**
     * Every parameter of this block and its descendants under its official dotted name, in {@code state_dict}
     * order (own parameters first, then children in declaration order).
     */
    public final LinkedHashMap<String, Parameter> stateDict() {
        LinkedHashMap<String, Parameter> out = new LinkedHashMap<>();
        collect("", out, null);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> params, Map<String, Init> inits) {
        for (Map.Entry<String, Parameter> e : ownParameters.entrySet()) {
            params.put(prefix + e.getKey(), e.getValue());
            if (inits != null) {
                inits.put(prefix + e.getKey(), ownInits.get(e.getKey()));
            }
        }
        for (Map.Entry<String, DinoBlock> e : namedChildren.entrySet()) {
            e.getValue().collect(prefix + e.getKey() + ".", params, inits);
        }
    }

    /**
     * Every parameter (trainable or frozen, buffers excluded) under its official name, in the order of PyTorch's
     * {@code module.parameters()}: the set the official teacher EMA runs over.
     */
    public final LinkedHashMap<String, Parameter> parameters() {
        LinkedHashMap<String, Parameter> out = new LinkedHashMap<>();
        LinkedHashMap<String, Boolean> isBuffer = new LinkedHashMap<>();
        collectBufferFlags("", isBuffer);
        stateDict().forEach((k, p) -> {
            if (!isBuffer.getOrDefault(k, false)) {
                out.put(k, p);
            }
        });
        return out;
    }

    /** The buffers (see {@link #buffer}) under their official names. */
    public final LinkedHashMap<String, Parameter> buffers() {
        LinkedHashMap<String, Parameter> out = new LinkedHashMap<>(stateDict());
        out.keySet().removeAll(parameters().keySet());
        return out;
    }

    private void collectBufferFlags(String prefix, Map<String, Boolean> flags) {
        for (String k : ownParameters.keySet()) {
            flags.put(prefix + k, ownBuffers.contains(k));
        }
        for (Map.Entry<String, DinoBlock> e : namedChildren.entrySet()) {
            e.getValue().collectBufferFlags(prefix + e.getKey() + ".", flags);
        }
    }

    /** The trainable parameters ({@code requires_grad}) under their official names. */
    public final LinkedHashMap<String, Parameter> trainableParameters() {
        LinkedHashMap<String, Parameter> out = new LinkedHashMap<>();
        parameters().forEach((k, p) -> {
            if (p.requiresGradient()) {
                out.put(k, p);
            }
        });
        return out;
    }

    /** The number of scalar parameters (all, or trainable only). */
    public final long parameterCount(boolean trainableOnly) {
        long n = 0;
        for (Parameter p : (trainableOnly ? trainableParameters() : stateDict()).values()) {
            n += p.getShape().size();
        }
        return n;
    }

    /**
     * Creates every parameter array with the official initialisation, seeded: each parameter draws from a
     * generator seeded by {@code seed} and its full name, so the result does not depend on creation order.
     *
     * @param manager the manager that owns the model's arrays (its device is the model's device)
     * @param seed the model seed
     */
    public final void initializeWeights(NDManager manager, long seed) {
        LinkedHashMap<String, Parameter> params = new LinkedHashMap<>();
        LinkedHashMap<String, Init> inits = new LinkedHashMap<>();
        collect("", params, inits);
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Parameter p = e.getValue();
            if (p.isInitialized()) {
                p.getArray().close();
                p.close();
            }
            p.setInitializer(new SeededInitializer(inits.get(e.getKey()), SeededInitializer.seedFor(seed, e.getKey())));
            p.initialize(manager, DataType.FLOAT32);
        }
    }

    /**
     * Copies values into this block's parameters by official name.
     *
     * @param tensors name to value; the values are copied, the caller keeps ownership
     * @param strict if true, a name in {@code tensors} that this block lacks is an error; a tensor missing from
     *     {@code tensors} is always an error, and so is a shape mismatch
     * @throws IllegalArgumentException naming every missing, unexpected or mis-shaped tensor
     */
    public final void loadStateDict(Map<String, NDArray> tensors, boolean strict) {
        LinkedHashMap<String, Parameter> params = stateDict();
        List<String> missing = new ArrayList<>();
        List<String> misShaped = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray t = tensors.get(e.getKey());
            if (t == null) {
                missing.add(e.getKey());
            } else if (!t.getShape().equals(e.getValue().getShape())) {
                misShaped.add(e.getKey() + " (expected " + e.getValue().getShape() + ", got " + t.getShape() + ")");
            }
        }
        TreeSet<String> unexpected = new TreeSet<>(tensors.keySet());
        unexpected.removeAll(params.keySet());
        if (!missing.isEmpty() || !misShaped.isEmpty() || (strict && !unexpected.isEmpty())) {
            StringBuilder sb = new StringBuilder("state dict does not match ").append(getClass().getSimpleName());
            if (!missing.isEmpty()) {
                sb.append("; missing: ").append(missing);
            }
            if (!misShaped.isEmpty()) {
                sb.append("; wrong shape: ").append(misShaped);
            }
            if (strict && !unexpected.isEmpty()) {
                sb.append("; unexpected: ").append(unexpected);
            }
            throw new IllegalArgumentException(sb.toString());
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Parameter p = e.getValue();
            NDArray src = tensors.get(e.getKey());
            if (!p.isInitialized()) {
                throw new IllegalStateException(
                        "initialise the block (initializeWeights) before loading; parameter " + e.getKey());
            }
            p.getArray().set(src.toType(p.getArray().getDataType(), false).toDevice(p.getArray().getDevice(), false).toFloatArray());
        }
    }

    /**
     * The array of {@code parameter} as seen from {@code like}'s scope: a view (same storage, gradient flows to the
     * parameter) owned by {@code like}'s manager, so that results of ops that start from a parameter land in the
     * caller's step scope and are freed with it, never in the model's manager.
     *
     * @param parameter a parameter of this block
     * @param like an activation whose manager is the current scope
     * @return the parameter's values, usable as a first operand
     */
    protected static NDArray value(Parameter parameter, NDArray like) {
        return alias(parameter.getArray(), like.getManager());
    }

    /**
     * A view of {@code array} owned by {@code scope} (or the array itself when it already belongs there).
     *
     * @param array a long-lived array, such as a parameter
     * @param scope the step-scoped manager
     * @return a view sharing storage and autograd history with {@code array}
     */
    public static NDArray alias(NDArray array, NDManager scope) {
        return array.getManager() == scope ? array : view(array, scope);
    }

    /**
     * A new view of {@code array} owned by {@code scope}, always a distinct array (unnamed, whatever
     * {@code array}'s name).
     *
     * @param array any array
     * @param scope the manager that owns the view
     * @return a view sharing storage and autograd history with {@code array}
     */
    public static NDArray view(NDArray array, NDManager scope) {
        // A same-shape reshape, moved to the scope: its gradient is the incoming gradient itself (a view). Indexing
        // with "..." would also give a view, but DJL records it as one slice per axis, and each slice's backward
        // pass allocates a zero tensor of the parameter's size and copies the gradient into it: with every
        // parameter aliased once per crop resolution, that was ~180 fills and copies per training step.
        NDArray view = array.reshape(array.getShape());
        view.attach(scope);
        return view;
    }

    /**
     * {@code value} as a 0-d array owned by {@code like}'s manager: the operand to use instead of a Java number in
     * {@code mul}, {@code div}, {@code pow}, {@code maximum} and {@code minimum} on arrays that gradients flow through,
     * e.g. {@code x.mul(constant(x, scale))} rather than {@code x.mul(scale)}.
     *
     * <p>Why: DJL's PyTorch engine turns the number of {@code x.mul(scale)} into a temporary 0-d tensor over a direct
     * {@code ByteBuffer} (no copy) and closes it as soon as the op returns, which drops the only reference to the
     * buffer. Autograd, however, keeps that tensor for the backward pass (the gradient of x * c is g * c, of x / c is
     * g / c, of max(x, c) compares x with c). Once a garbage collection has run between the forward and the backward
     * pass, the buffer's native memory is freed and the backward pass reads whatever now lives there: gradients that
     * are off, or NaN, depending on when the JVM collected. The array returned here stays referenced by the scope
     * until it closes, i.e. until after the backward pass. Ops whose gradient does not read the number ({@code add},
     * {@code sub}) and ops without gradient need no constant.
     *
     * @param like an array in the step's scope (its manager owns the constant, its device receives it)
     * @param value the number; its Java type sets the data type exactly as DJL's number overloads do (float: float32,
     *     double: float64, int: int32, long: int64), so results are bit-identical to {@code x.mul(value)}
     * @return a 0-d array of {@code value}, attached to {@code like}'s manager
     */
    public static NDArray constant(NDArray like, Number value) {
        return like.getManager().create(value).toDevice(like.getDevice(), false);
    }

    /** {@inheritDoc} */
    @Override
    public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
        initializeWeights(manager, 0L);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Dino blocks are initialised without input shapes (their shapes are fixed by construction), so DJL's
     * {@code saveParameters} records an empty shape list.
     */
    @Override
    protected void saveMetadata(java.io.DataOutputStream os) throws java.io.IOException {
        if (inputShapes == null) {
            os.writeInt(0);
        } else {
            super.saveMetadata(os);
        }
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        // parameters are created by initializeWeights
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not infer output shapes");
    }

    /** Describes the parameters, for logs. */
    public PairList<String, Shape> describeParameters() {
        PairList<String, Shape> out = new PairList<>();
        stateDict().forEach((k, p) -> out.add(k, p.getShape()));
        return out;
    }
}
