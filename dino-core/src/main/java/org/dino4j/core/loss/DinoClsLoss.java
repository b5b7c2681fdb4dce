package org.dino4j.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import org.dino4j.core.nn.DinoBlock;

/**
 * DINO's self-distillation loss on the image-level outputs (the official DINO v1 {@code DINOLoss}, without its
 * centring, which lives in {@link org.dino4j.core.target.CenteringSharpening}).
 *
 * <p>The teacher sees the nT global crops of a batch (nT = 2 in DINO), the student all nCrops crops (global first,
 * then local). Every teacher crop i is matched with every student crop v of the same images except the same view
 * (v = i):
 * <pre>
 *   loss = 1/n_terms * sum_i sum_{v != i} mean_b H(q_i[b], softmax(s_v[b] / T_s)),   n_terms = nT * (nCrops - 1)
 * </pre>
 * which is 2 nCrops - 2 terms for DINO. The batch mean is taken per pair, then pairs are averaged.
 */
public final class DinoClsLoss {

    /** The official student temperature. */
    public static final double DEFAULT_STUDENT_TEMPERATURE = 0.1;
    /** DINO's number of global (teacher) crops. */
    public static final int DEFAULT_TEACHER_CROPS = 2;

    private final double studentTemperature;
    private final int numTeacherCrops;

    /** The official loss: student temperature 0.1, 2 teacher crops. */
    public DinoClsLoss() {
        this(DEFAULT_STUDENT_TEMPERATURE, DEFAULT_TEACHER_CROPS);
    }

    /**
     * @param studentTemperature T_s &gt; 0
     * @param numTeacherCrops nT &gt;= 1, the number of crops the teacher sees (the first nT student crops are the
     *     same views)
     */
    public DinoClsLoss(double studentTemperature, int numTeacherCrops) {
        if (!(studentTemperature > 0) || Double.isInfinite(studentTemperature)) {
            throw new IllegalArgumentException(
                    "student temperature must be a positive number (official 0.1), got " + studentTemperature);
        }
        if (numTeacherCrops < 1) {
            throw new IllegalArgumentException("numTeacherCrops must be >= 1 (DINO: 2), got " + numTeacherCrops);
        }
        this.studentTemperature = studentTemperature;
        this.numTeacherCrops = numTeacherCrops;
    }

    /**
     * The loss of one step.
     *
     * @param studentLogits [nCrops*B, K] student logits, crop-major, the nT global crops first
     * @param teacherTargets [nT*B, K] teacher targets (e.g. from {@code TeacherTargets.probabilities}), crop-major;
     *     no gradient flows into them
     * @return a scalar, differentiable with respect to {@code studentLogits}, in the student logits' manager
     * @throws IllegalArgumentException if the shapes do not describe nT teacher crops and nCrops &gt;= 2 student crops
     *     of the same B images
     */
    public NDArray forward(NDArray studentLogits, NDArray teacherTargets) {
        Shape s = studentLogits.getShape();
        Shape t = teacherTargets.getShape();
        if (s.dimension() != 2 || t.dimension() != 2 || s.get(1) != t.get(1)) {
            throw new IllegalArgumentException("expected student logits [nCrops*B, K] and teacher targets [nT*B, K] "
                    + "with the same K, got " + s + " and " + t);
        }
        if (t.get(0) == 0 || t.get(0) % numTeacherCrops != 0) {
            throw new IllegalArgumentException("teacher targets have " + t.get(0) + " rows, expected a positive "
                    + "multiple of the " + numTeacherCrops + " teacher crops (nT*B)");
        }
        long batch = t.get(0) / numTeacherCrops;
        if (s.get(0) % batch != 0 || s.get(0) / batch < Math.max(2, numTeacherCrops)) {
            throw new IllegalArgumentException("student logits have " + s.get(0) + " rows, expected nCrops*B with B = "
                    + batch + " (from " + t.get(0) + " teacher rows / " + numTeacherCrops + " teacher crops) and "
                    + "nCrops >= " + Math.max(2, numTeacherCrops));
        }
        int numCrops = Math.toIntExact(s.get(0) / batch);
        NDArray logp = SoftCrossEntropy.logProbabilities(studentLogits, studentTemperature);
        NDArray pairs = SoftCrossEntropy.pairwise(teacherTargets, logp, batch);
        // Drop the same-view pairs (teacher crop i vs student crop i): predicting a view from itself is trivial.
        float[] keep = new float[numTeacherCrops * numCrops];
        for (int i = 0; i < numTeacherCrops; i++) {
            for (int v = 0; v < numCrops; v++) {
                keep[i * numCrops + v] = v == i ? 0f : 1f;
            }
        }
        NDArray mask = studentLogits.getManager().create(keep, new Shape(numTeacherCrops, numCrops))
                .toDevice(pairs.getDevice(), false).toType(pairs.getDataType(), false);
        NDArray total = pairs.mul(mask).sum();
        return total.div(DinoBlock.constant(total, numTerms(numCrops, numTeacherCrops)));
    }

    /**
     * The number of (teacher crop, student crop) pairs averaged: nT * (nCrops - 1), i.e. 2 nCrops - 2 for DINO.
     *
     * @param numCrops nCrops, the student's crops
     * @param numTeacherCrops nT, the teacher's crops
     * @return the number of cross-view terms
     */
    public static int numTerms(int numCrops, int numTeacherCrops) {
        return numTeacherCrops * (numCrops - 1);
    }

    /** The student temperature T_s. */
    public double studentTemperature() {
        return studentTemperature;
    }

    /** nT, the number of teacher crops. */
    public int numTeacherCrops() {
        return numTeacherCrops;
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "DinoClsLoss[studentTemperature=" + studentTemperature + ", teacherCrops=" + numTeacherCrops + "]";
    }
}
