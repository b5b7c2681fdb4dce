package org.dino4j.train.loop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import org.dino4j.core.backbone.StochasticDepth;
import org.dino4j.core.backbone.VisionTransformer;
import org.dino4j.train.model.MultiCropNetwork;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The backbone passes of a training step on equal parts of the batch, in parallel threads, each part with its share
 * of the intra-op threads: data parallelism inside one step. The heads, the losses, clipping, the optimiser and the
 * teacher update still run once over the whole batch.
 *
 * <p>Why: on a CPU the intra-op threads of one operator wait for each other at every operator's end, and a step has
 * thousands of operators, many of them too small or too memory-bound to keep all threads busy. Parts that run
 * independently from the first layer to the last keep every core busy with its own work instead (bench-small on
 * two cores: see docs/performance.md).
 *
 * <p>How: each part's student backbone runs with autograd, the teacher's without; the parts' CLS features (and
 * patch tokens) are put back in the batch's crop-major order as new leaves of the graph, the step computes its heads
 * and loss on them and runs the backward pass down to those leaves, and then each part's backward pass continues
 * from its leaves through its backbone in its own thread, accumulating into the shared parameter gradients (with two
 * parts, a + b = b + a: the sum does not depend on which part finishes first).
 *
 * <p>A ViT only: its backbone treats the samples of a batch independently, so the parts compute what the whole batch
 * would, up to rounding (a backbone with batch normalisation would normalise over the parts instead). Stochastic
 * depth is the exception: each part draws its drop decisions from its own split of the step's generator, in part
 * order, so the draws differ from a whole-batch step's (with the same distribution); the number of parts is part of
 * what makes a run reproducible.
 */
final class BatchParts implements AutoCloseable {

    private final int parts;
    private final ThreadPoolExecutor pool;

    /**
     * @param parts the number of parts (at least 2)
     */
    BatchParts(int parts) {
        if (parts < 2) {
            throw new IllegalArgumentException("batch parts must be at least 2, got " + parts);
        }
        this.parts = parts;
        // parts - 1 helpers, the calling thread runs the first part; idle helpers end after a minute
        this.pool = new ThreadPoolExecutor(parts - 1, parts - 1, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "dino4j-batch-part");
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
    }

    /** The number of parts. */
    int parts() {
        return parts;
    }

    /**
     * Whether a batch can be split here: a ViT student, a batch of at least one image per part that divides into
     * equal parts, and, with DINOv2's subset stochastic depth, parts that skip as many samples per residual branch
     * together as the whole batch would, up to the rounding of one sample per part (each part draws its own subset of
     * {@code max(floor(n (1 - rate)), 1)} samples; parts of a few images would otherwise skip none).
     *
     * @param student the student
     * @param crops the batch's crops, each [B, C, H, W]
     * @return true if {@link #forward} applies
     */
    boolean applies(MultiCropNetwork student, List<NDArray> crops) {
        if (!(student.backbone() instanceof VisionTransformer vit)) {
            return false;
        }
        int batch = Math.toIntExact(crops.get(0).getShape().get(0));
        if (batch < parts || batch % parts != 0) {
            return false;
        }
        if (vit.config().dropPathMode() != StochasticDepth.Mode.SUBSET) {
            return true;
        }
        int size = batch / parts;
        for (int groupCrops : MultiCropNetwork.resolutionGroups(crops)) {
            for (double rate : vit.config().dropPathRates()) {
                if (rate <= 0) {
                    continue;
                }
                int whole = skipped(groupCrops * batch, rate);
                int split = parts * skipped(groupCrops * size, rate);
                if (Math.abs(split - whole) >= parts || (whole > 0) != (split > 0)) {
                    return false;
                }
            }
        }
        return true;
    }

    // the samples a subset-mode branch skips in a group of n
    private static int skipped(int samples, double rate) {
        return samples - StochasticDepth.subsetSize(samples, rate);
    }

    /** The parts' backbone outputs, reassembled, and what their backward passes need. */
    static final class Forward {
        private final MultiCropNetwork.Output student;
        private final MultiCropNetwork.Output teacher;
        private final NDArray[] outputs;
        private final NDArray[] leaves;

        private Forward(MultiCropNetwork.Output student, MultiCropNetwork.Output teacher, NDArray[] outputs,
                        NDArray[] leaves) {
            this.student = student;
            this.teacher = teacher;
            this.outputs = outputs;
            this.leaves = leaves;
        }

        /** The student's CLS features and patch tokens of the whole batch (graph leaves; no logits). */
        MultiCropNetwork.Output student() {
            return student;
        }

        /** The teacher's CLS features and patch tokens of the whole batch (no logits). */
        MultiCropNetwork.Output teacher() {
            return teacher;
        }
    }

    /**
     * Runs the backbones on the parts.
     *
     * @param student the student
     * @param teacher the teacher
     * @param crops the batch's crops, each [B, C, H, W], global crops first
     * @param globalCrops the number of global crops (the teacher's)
     * @param masks [g*B, N] iBOT masks of the global crops (crop-major), or null
     * @param patchTokens whether the global crops' patch tokens are needed
     * @param rng the step's stochastic-depth randomness (each part draws from its own split, in part order)
     * @return the reassembled outputs
     */
    Forward forward(MultiCropNetwork student, MultiCropNetwork teacher, List<NDArray> crops, int globalCrops,
                    NDArray masks, boolean patchTokens, SplittableRandom rng) {
        int batch = Math.toIntExact(crops.get(0).getShape().get(0));
        int size = batch / parts;
        List<Callable<MultiCropNetwork.Output[]>> work = new ArrayList<>(parts);
        for (int p = 0; p < parts; p++) {
            List<NDArray> part = new ArrayList<>(crops.size());
            NDIndex rows = new NDIndex("{}:{}", p * size, (p + 1) * size);
            for (NDArray c : crops) {
                part.add(c.get(rows));
            }
            NDArray partMasks = masks == null ? null : masks.reshape(globalCrops, batch, -1)
                    .get(new NDIndex(":, {}:{}", p * size, (p + 1) * size)).reshape(globalCrops * size, -1);
            SplittableRandom partRng = rng == null ? null : rng.split();
            work.add(() -> {
                boolean grad = JniUtils.isGradMode();
                try {
                    // the teacher has no trainable parameters: no graph either way, but grad mode is per thread
                    JniUtils.setGradMode(false);
                    MultiCropNetwork.Output t = teacher.forwardBackbone(part.subList(0, globalCrops), null,
                            patchTokens, true, null);
                    JniUtils.setGradMode(true);
                    MultiCropNetwork.Output s = student.forwardBackbone(part, partMasks, patchTokens, true, partRng);
                    return new MultiCropNetwork.Output[] {s, t};
                } finally {
                    JniUtils.setGradMode(grad);
                }
            });
        }
        List<MultiCropNetwork.Output[]> done = runAll(work, "forward pass");

        // per part: the outputs each part's backward pass starts from, and their leaves in the reassembled batch
        // (CLS features at [0, parts), patch tokens at [parts, 2 parts))
        NDArray[] outputs = new NDArray[parts * (patchTokens ? 2 : 1)];
        NDArray[] leaves = new NDArray[outputs.length];
        NDList studentCls = new NDList(parts);
        NDList teacherCls = new NDList(parts);
        NDList studentPatches = new NDList(parts);
        NDList teacherPatches = new NDList(parts);
        for (int p = 0; p < parts; p++) {
            MultiCropNetwork.Output s = done.get(p)[0];
            MultiCropNetwork.Output t = done.get(p)[1];
            outputs[p] = s.cls();
            leaves[p] = leaf(s.cls());
            studentCls.add(leaves[p]);
            teacherCls.add(t.cls());
            if (patchTokens) {
                outputs[parts + p] = s.firstGroupPatchTokens();
                leaves[parts + p] = leaf(s.firstGroupPatchTokens());
                studentPatches.add(leaves[parts + p]);
                teacherPatches.add(t.firstGroupPatchTokens());
            }
        }
        MultiCropNetwork.Output s = new MultiCropNetwork.Output(interleave(studentCls, crops.size()), null,
                patchTokens ? interleave(studentPatches, globalCrops) : null);
        MultiCropNetwork.Output t = new MultiCropNetwork.Output(interleave(teacherCls, globalCrops), null,
                patchTokens ? interleave(teacherPatches, globalCrops) : null);
        return new Forward(s, t, outputs, leaves);
    }

    /**
     * Continues the backward pass from the leaves of {@link Forward#student()} (their gradients must be computed)
     * through each part's backbone, the parts in parallel.
     *
     * @param f the forward pass
     */
    void backward(Forward f) {
        List<Callable<Void>> work = new ArrayList<>(parts);
        boolean patches = f.leaves.length > parts;
        for (int p = 0; p < parts; p++) {
            int part = p;
            work.add(() -> {
                NDArray out = f.outputs[part];
                NDArray grad = f.leaves[part].getGradient();
                if (!patches) {
                    JniUtils.backward((PtNDArray) out, (PtNDArray) grad, false, false);
                    grad.close();
                    return null;
                }
                // two outputs, one backward pass: the gradient of sum(cls * g) + sum(patches * h) is (g, h)
                NDArray patchGrad = f.leaves[parts + part].getGradient();
                boolean gradMode = JniUtils.isGradMode();
                JniUtils.setGradMode(true);
                NDArray both;
                try {
                    both = out.mul(grad).sum().add(f.outputs[parts + part].mul(patchGrad).sum());
                } finally {
                    JniUtils.setGradMode(gradMode);
                }
                JniUtils.backward((PtNDArray) both, (PtNDArray) both.onesLike(), false, false);
                grad.close();
                patchGrad.close();
                return null;
            });
        }
        runAll(work, "backward pass");
    }

    // Runs the first job here and the others on the helpers, each thread with its share of the intra-op threads
    // (the calling thread takes what does not divide). Returns only when every job has ended, so that no part can
    // still be running when the caller frees the step's arrays.
    private <T> List<T> runAll(List<Callable<T>> work, String pass) {
        int threads = JniUtils.getNumThreads();
        int share = Math.max(1, threads / parts);
        int own = Math.max(1, threads - share * (parts - 1));
        List<Future<T>> futures = new ArrayList<>(parts - 1);
        for (int p = 1; p < parts; p++) {
            Callable<T> job = work.get(p);
            futures.add(pool.submit(() -> {
                if (JniUtils.getNumThreads() != share) {
                    JniUtils.setNumThreads(share);
                }
                return job.call();
            }));
        }
        List<T> results = new ArrayList<>(parts);
        RuntimeException failure = null;
        JniUtils.setNumThreads(own);
        try {
            results.add(work.get(0).call());
        } catch (Exception e) {
            failure = failure(1, pass, e);
        } finally {
            JniUtils.setNumThreads(threads);
        }
        boolean interrupted = false;
        for (int p = 1; p < parts; p++) {
            while (true) {
                try {
                    results.add(futures.get(p - 1).get());
                    break;
                } catch (InterruptedException e) {
                    // keep waiting: the part uses the step's arrays; the interrupt is restored below
                    interrupted = true;
                } catch (ExecutionException e) {
                    RuntimeException f = failure(p + 1, pass, e.getCause());
                    if (failure == null) {
                        failure = f;
                    } else {
                        failure.addSuppressed(f);
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw failure;
        }
        return results;
    }

    private RuntimeException failure(int part, String pass, Throwable cause) {
        if (cause instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("batch part " + part + " of " + parts + " failed in the " + pass + ": "
                + cause, cause);
    }

    private static NDArray leaf(NDArray output) {
        NDArray leaf = output.stopGradient();
        leaf.setRequiresGradient(true);
        return leaf;
    }

    // parts of [n*b, ...] crop-major rows -> [n*B, ...] crop-major rows, each crop's rows in part order
    private static NDArray interleave(NDList parts, int crops) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        Shape rest = parts.get(0).getShape().slice(1);
        NDList shaped = new NDList(parts.size());
        for (NDArray p : parts) {
            shaped.add(p.reshape(new Shape(crops, -1).addAll(rest)));
        }
        return NDArrays.concat(shaped, 1).reshape(new Shape(-1).addAll(rest));
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
