package org.dino4j.train.data;

import java.util.List;

/**
 * One batch of multi-crop views. {@code crops.get(k)} holds crop {@code k} of every sample: crops 0 and 1 are the
 * global views, crops 2.. the local views, in the order of the official augmentation; crops of equal size stay
 * separate entries so the trainer can concatenate them as it needs. The arrays are not copied.
 *
 * @param epoch the epoch
 * @param index position of the batch in the epoch
 * @param sampleIndices {@code [B]} dataset index of each sample (of the replacement when a file was unreadable)
 * @param labels {@code [B]} label of each sample, -1 if unlabelled
 * @param crops one {@code [B, 3, H, W]} tensor per crop
 */
public record MultiCropBatch(int epoch, int index, int[] sampleIndices, int[] labels, List<CropTensor> crops) {

    /** Copies the crop list reference into an unmodifiable list. */
    public MultiCropBatch {
        crops = List.copyOf(crops);
    }

    /** Samples in the batch. */
    public int size() {
        return sampleIndices.length;
    }

    /** Crop {@code k} of every sample. */
    public CropTensor crop(int k) {
        return crops.get(k);
    }

    /** Identity only; the arrays would be too long to print. */
    @Override
    public String toString() {
        return "MultiCropBatch[epoch " + epoch + ", batch " + index + ", " + size() + " samples, " + crops.size()
                + " crops]";
    }
}
