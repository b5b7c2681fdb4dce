package org.dino4j.core.backbone;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * Token sequences of several crop groups packed row-wise into one {@code [N, D]} array: DINOv2's sequence packing.
 * Group g holds {@code batch} sequences of {@code length} tokens each (one resolution), stored as
 * {@code batch * length} consecutive rows in sample-major order, after the rows of the groups before it.
 *
 * <p>Every operation of a transformer block except attention works token by token (layer norm, the linear layers,
 * the MLP, LayerScale, residual additions), so it can run once over all groups instead of once per group. Attention
 * mixes tokens only within a sequence, which is the block-diagonal attention mask of DINOv2's packed forward:
 * {@link Attention#forward(PackedSequences)} runs it per group on views of the packed rows.
 *
 * @param tokens {@code [N, D]} the packed rows, N the sum of {@code batch * length} over the groups
 * @param groups the groups in row order
 */
public record PackedSequences(NDArray tokens, List<Group> groups) {

    /**
     * One group of equally long sequences.
     *
     * @param batch the number of sequences
     * @param length the tokens per sequence
     */
    public record Group(long batch, long length) {

        /** The group's rows in the packed array, {@code batch * length}. */
        public long rows() {
            return batch * length;
        }
    }

    /**
     * @param tokens {@code [N, D]} the packed rows
     * @param groups the groups in row order (at least one)
     * @throws IllegalArgumentException if the groups do not account for the rows of {@code tokens}
     */
    public PackedSequences {
        groups = List.copyOf(groups);
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("packed sequences need at least one group");
        }
        long rows = groups.stream().mapToLong(Group::rows).sum();
        Shape s = tokens.getShape();
        if (s.dimension() != 2 || s.get(0) != rows) {
            throw new IllegalArgumentException("packed tokens must be [N, D] with N = " + rows + " (the rows of groups "
                    + groups + "), got " + s);
        }
    }

    /**
     * Packs sequences of tokens, one array per group.
     *
     * @param sequences each {@code [B_g, T_g, D]}, the same D
     * @return the packed rows, in the order of {@code sequences}
     */
    public static PackedSequences pack(List<NDArray> sequences) {
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("nothing to pack: give at least one [B, T, D] array");
        }
        List<Group> groups = new ArrayList<>(sequences.size());
        NDList rows = new NDList(sequences.size());
        long width = sequences.get(0).getShape().get(sequences.get(0).getShape().dimension() - 1);
        for (NDArray seq : sequences) {
            Shape s = seq.getShape();
            if (s.dimension() != 3 || s.get(2) != width) {
                throw new IllegalArgumentException("sequences to pack must all be [B, T, " + width + "], got " + s);
            }
            groups.add(new Group(s.get(0), s.get(1)));
            rows.add(seq.reshape(s.get(0) * s.get(1), width));
        }
        NDArray tokens = rows.size() == 1 ? rows.get(0) : NDArrays.concat(rows, 0);
        return new PackedSequences(tokens, groups);
    }

    /**
     * The same groups with other rows (the result of a token-wise operation on {@link #tokens}).
     *
     * @param rows {@code [N, D']} the new rows
     * @return packed sequences of the same groups
     */
    public PackedSequences with(NDArray rows) {
        return new PackedSequences(rows, groups);
    }

    /**
     * Splits row-aligned packed data into its groups (views, no copy; the backward pass concatenates once).
     *
     * @param rows {@code [N, ...]} an array with this packing's rows
     * @return one {@code [B_g * T_g, ...]} array per group
     */
    public NDList splitRows(NDArray rows) {
        if (groups.size() == 1) {
            return new NDList(rows);
        }
        long[] starts = new long[groups.size() - 1];
        long at = 0;
        for (int g = 0; g < starts.length; g++) {
            at += groups.get(g).rows();
            starts[g] = at;
        }
        return rows.split(starts, 0);
    }

    /**
     * Unpacks the tokens.
     *
     * @return one {@code [B_g, T_g, D]} array per group
     */
    public NDList unpack() {
        NDList parts = splitRows(tokens);
        long width = tokens.getShape().get(1);
        NDList out = new NDList(parts.size());
        for (int g = 0; g < parts.size(); g++) {
            Group group = groups.get(g);
            out.add(parts.get(g).reshape(group.batch(), group.length(), width));
        }
        return out;
    }
}
