package org.dino4j.train.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;


import java.util.ArrayList;
import java.util.List;

/**
 * Weighted k-nearest-neighbour classification as in the DINO paper (section 4.1 and its {@code eval_knn.py}):
 * cosine similarity between L2-normalised features, the k most similar training samples vote for their class with
 * weight exp(similarity / T), T = 0.07; the class with the largest total is the prediction.
 */
public final class KnnClassifier {

    /**
     * Accuracy at one k.
     *
     * @param k number of neighbours
     * @param top1 top-1 accuracy in percent
     * @param top5 top-5 accuracy in percent (NaN with fewer than 5 classes)
     */
    public record Accuracy(int k, double top1, double top5) {}

    private static final int QUERY_CHUNK = 256;

    private KnnClassifier() {}

    /**
     * Classifies every query against the memory bank.
     *
     * @param bank [N, D] L2-normalised training features (the memory bank)
     * @param bankLabels N labels in [0, numClasses)
     * @param queries [M, D] L2-normalised test features
     * @param queryLabels M labels
     * @param numClasses number of classes
     * @param ks the values of k to evaluate (e.g. 20 and 1)
     * @param temperature T of the vote weights (0.07)
     * @return one accuracy per k, in the order of {@code ks}
     */
    public static List<Accuracy> evaluate(NDArray bank, int[] bankLabels, NDArray queries, int[] queryLabels,
                                          int numClasses, int[] ks, double temperature) {
        long n = bank.getShape().get(0);
        long m = queries.getShape().get(0);
        if (bankLabels.length != n || queryLabels.length != m) {
            throw new IllegalArgumentException("labels do not match features: bank " + n + " vs " + bankLabels.length
                    + ", queries " + m + " vs " + queryLabels.length);
        }
        int kMax = 0;
        for (int k : ks) {
            if (k < 1 || k > n) {
                throw new IllegalArgumentException("k must be in [1, " + n + "] (the memory bank size), got " + k);
            }
            kMax = Math.max(kMax, k);
        }
        long[] correct1 = new long[ks.length];
        long[] correct5 = new long[ks.length];
        try (NDManager scope = queries.getManager().newSubManager()) {
            NDArray bankT = bank.transpose();
            bankT.attach(scope);
            for (long start = 0; start < m; start += QUERY_CHUNK) {
                long end = Math.min(m, start + QUERY_CHUNK);
                try (NDManager chunk = scope.newSubManager()) {
                    NDArray q = queries.get(chunk, new NDIndex("{}:{}", start, end));
                    NDArray sim = q.matMul(bankT);
                    NDList top = sim.topK(kMax, 1, true, true);
                    float[] dist = top.get(0).toFloatArray();
                    long[] idx = top.get(1).toType(ai.djl.ndarray.types.DataType.INT64, false).toLongArray();
                    int rows = (int) (end - start);
                    double[] votes = new double[numClasses];
                    for (int r = 0; r < rows; r++) {
                        int truth = queryLabels[(int) start + r];
                        for (int ki = 0; ki < ks.length; ki++) {
                            java.util.Arrays.fill(votes, 0);
                            for (int j = 0; j < ks[ki]; j++) {
                                int o = r * kMax + j;
                                votes[bankLabels[(int) idx[o]]] += Math.exp(dist[o] / temperature);
                            }
                            int rank = rankOf(votes, truth);
                            if (rank == 0) {
                                correct1[ki]++;
                            }
                            if (rank < 5) {
                                correct5[ki]++;
                            }
                        }
                    }
                }
            }
        }
        List<Accuracy> out = new ArrayList<>();
        for (int ki = 0; ki < ks.length; ki++) {
            out.add(new Accuracy(ks[ki], 100.0 * correct1[ki] / m,
                    numClasses >= 5 ? 100.0 * correct5[ki] / m : Double.NaN));
        }
        return out;
    }

    /** Number of classes with strictly more votes than {@code truth}, ties broken towards the lower index. */
    private static int rankOf(double[] votes, int truth) {
        int rank = 0;
        double v = votes[truth];
        for (int c = 0; c < votes.length; c++) {
            if (votes[c] > v || (votes[c] == v && c < truth)) {
                rank++;
            }
        }
        return rank;
    }

    /** L2-normalises rows, as {@code nn.functional.normalize(x, dim=1)} (eps 1e-12). */
    public static NDArray l2Normalize(NDArray x) {
        NDArray norm = x.norm(new int[] {1}, true).maximum(1e-12f);
        return x.div(norm);
    }

}
