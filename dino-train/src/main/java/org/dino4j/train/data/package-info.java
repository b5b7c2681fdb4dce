/**
 * Image datasets and the parallel multi-crop loader.
 *
 * <p>{@link org.dino4j.train.data.ImageDataset} is the read-only view the trainer needs (size, image, label, class
 * names). {@link org.dino4j.train.data.IdxDataset} reads MNIST-style IDX files (Fashion-MNIST as packaged by Debian),
 * {@link org.dino4j.train.data.ImageFolderDataset} reads JPEG/PNG folders (optionally one sub-folder per class), and
 * {@link org.dino4j.train.data.SubsetDataset} takes deterministic subsets such as the first n images per class.
 *
 * <p>{@link org.dino4j.train.data.MultiCropLoader} turns a dataset and a
 * {@link org.dino4j.train.augment.MultiCropAugmentation} into batches of crops, decoding and augmenting in worker
 * threads while the trainer works. Each sample's randomness is derived from (seed, epoch, sample index) by
 * {@link org.dino4j.train.data.RandomStreams}, so batches are identical whatever the number of workers.
 */
package org.dino4j.train.data;
