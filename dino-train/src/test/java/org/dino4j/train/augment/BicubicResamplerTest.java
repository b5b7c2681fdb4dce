package org.dino4j.train.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BicubicResamplerTest {

    /** A 7x9 image, values in [0.25, 0.75) so no output needs clamping. */
    private static final float[] SRC = {0.5625477f, 0.6986069f, 0.6378428f, 0.3626036f, 0.4000832f, 0.6867767f,
        0.2526326f, 0.6606142f, 0.6485347f, 0.4839675f, 0.4015162f, 0.3892128f, 0.3774348f, 0.4725381f, 0.5022742f,
        0.5267487f, 0.7477502f, 0.6463310f, 0.5610896f, 0.7444801f, 0.3576544f, 0.3301060f, 0.5562698f, 0.2719710f,
        0.2678401f, 0.5074444f, 0.4831030f, 0.7085839f, 0.5646131f, 0.5070588f, 0.4984367f, 0.3737575f, 0.2558970f,
        0.3462011f, 0.5960160f, 0.3503034f, 0.4347682f, 0.2518671f, 0.6650239f, 0.3272305f, 0.3837996f, 0.6901661f,
        0.5048954f, 0.6735751f, 0.5698586f, 0.6208855f, 0.2957478f, 0.5205719f, 0.5038861f, 0.6856697f, 0.4306320f,
        0.5490921f, 0.2796258f, 0.4438159f, 0.4115182f, 0.3250999f, 0.6581690f, 0.4397231f, 0.7393739f, 0.5449958f,
        0.5525281f, 0.5689983f, 0.5882251f};

    // Expected values: PIL 9.4 Image.resize(..., BICUBIC) on the same data as a 32-bit float ("F") image.
    private static final float[] PIL_DOWN_4X5 = {0.5493794f, 0.4718227f, 0.4552026f, 0.5058226f, 0.6638867f,
        0.6125119f, 0.4312405f, 0.4079944f, 0.3575673f, 0.5216854f, 0.4668241f, 0.4902186f, 0.4392291f, 0.5044003f,
        0.5175164f, 0.4121596f, 0.5045254f, 0.6147797f, 0.5219644f, 0.4898925f};
    private static final float[] PIL_UP_12X13_FIRST_ROWS = {0.5591988f, 0.6520635f, 0.7264017f, 0.6703064f,
        0.4617728f, 0.3383968f, 0.3944504f, 0.6550459f, 0.5363610f, 0.2357488f, 0.5672571f, 0.6781040f, 0.6483887f,
        0.5306925f, 0.5643623f, 0.5910383f, 0.5668140f, 0.4320626f, 0.3617406f, 0.4199932f, 0.6016483f, 0.5348499f,
        0.3585696f, 0.6321923f, 0.6992778f, 0.6517885f};
    private static final float[] PIL_UP_12X13_LAST = {0.5114446f, 0.5060556f, 0.7435490f, 0.6146757f, 0.5379227f,
        0.5545521f, 0.5838478f, 0.5977764f, 0.5999434f};
    /** Crop rows 1..5, columns 2..7, resized to 3x4. */
    private static final float[] PIL_CROP_3X4 = {0.3570684f, 0.4544103f, 0.4028271f, 0.5631533f, 0.4817263f,
        0.4041813f, 0.3438963f, 0.5136401f, 0.5290030f, 0.5076593f, 0.5556236f, 0.4786023f};

    private static final FloatImage IMAGE = new FloatImage(1, 7, 9, SRC);

    @Test
    void downsamplingMatchesPilWithAntialias() {
        FloatImage out = BicubicResampler.resize(IMAGE, 4, 5);
        assertArrayEquals(PIL_DOWN_4X5, out.data(), 2e-6f);
    }

    @Test
    void upsamplingMatchesPil() {
        float[] out = BicubicResampler.resize(IMAGE, 12, 13).data();
        assertArrayEquals(PIL_UP_12X13_FIRST_ROWS, Arrays.copyOf(out, 26), 2e-6f);
        assertArrayEquals(PIL_UP_12X13_LAST, Arrays.copyOfRange(out, out.length - 9, out.length), 2e-6f);
    }

    @Test
    void cropBoxMatchesPilCropThenResize() {
        FloatImage out = BicubicResampler.resizedCrop(IMAGE, new CropBox(1, 2, 5, 6), 3, 4);
        assertArrayEquals(PIL_CROP_3X4, out.data(), 2e-6f);
    }

    @Test
    void pixelsOutsideTheBoxNeverContribute() {
        float[] poisoned = SRC.clone();
        CropBox box = new CropBox(1, 2, 5, 6);
        for (int y = 0; y < 7; y++) {
            for (int x = 0; x < 9; x++) {
                if (y < 1 || y >= 6 || x < 2 || x >= 8) {
                    poisoned[y * 9 + x] = Float.NaN;
                }
            }
        }
        FloatImage out = BicubicResampler.resizedCrop(new FloatImage(1, 7, 9, poisoned), box, 3, 4);
        assertArrayEquals(PIL_CROP_3X4, out.data(), 2e-6f);
    }

    @Test
    void constantImageStaysConstant() {
        float[] data = new float[3 * 37 * 23];
        Arrays.fill(data, 0.3f);
        FloatImage constant = new FloatImage(3, 37, 23, data);
        for (int[] size : new int[][] {{8, 11}, {50, 40}, {37, 23}, {1, 1}}) {
            float[] out = BicubicResampler.resize(constant, size[0], size[1]).data();
            assertEquals(3 * size[0] * size[1], out.length);
            for (float v : out) {
                assertEquals(0.3f, v, 1e-6f, "constant image resized to " + size[0] + "x" + size[1]);
            }
        }
    }

    @Test
    void sameSizeResizeIsExact() {
        float[] data = new float[3 * 10 * 13];
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) rng.nextDouble();
        }
        FloatImage image = new FloatImage(3, 10, 13, data);
        assertArrayEquals(data, BicubicResampler.resize(image, 10, 13).data());
    }

    @Test
    void halvingTwoPixelsAveragesThem() {
        FloatImage row = new FloatImage(1, 1, 2, new float[] {0.2f, 0.6f});
        assertEquals(0.4f, BicubicResampler.resize(row, 1, 1).data()[0], 1e-7f);
    }

    @Test
    void kernelHasPilShape() {
        assertEquals(1.0, BicubicResampler.kernel(0), 0);
        assertEquals(0.0, BicubicResampler.kernel(1), 0);
        assertEquals(0.0, BicubicResampler.kernel(2), 0);
        assertEquals(0.5625, BicubicResampler.kernel(0.5), 1e-12);
        assertEquals(-0.0625, BicubicResampler.kernel(-1.5), 1e-12);
    }

    @Test
    void overshootIsClamped() {
        FloatImage step = new FloatImage(1, 1, 4, new float[] {0f, 0f, 1f, 1f});
        for (float v : BicubicResampler.resize(step, 1, 16).data()) {
            assertEquals(Math.min(1f, Math.max(0f, v)), v);
        }
    }

    @Test
    void boxOutsideImageIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BicubicResampler.resizedCrop(IMAGE, new CropBox(3, 0, 5, 9), 2, 2));
        assertEquals("crop box CropBox[top=3, left=0, height=5, width=9] reaches outside the 7x9 image",
                e.getMessage());
    }

    @Test
    void mirroredResamplingEqualsResamplingThenFlipping() {
        FloatImage image = MultiCropAugmentationTest.randomImage(3, 60, 80, 8);
        // Downscaling (vertical pass first), upscaling (horizontal pass first), and a gray source.
        CropBox[] boxes = {new CropBox(3, 5, 50, 70), new CropBox(10, 20, 9, 11), new CropBox(0, 0, 60, 80)};
        int[][] sizes = {{24, 24}, {20, 20}, {13, 17}};
        for (int t = 0; t < boxes.length; t++) {
            FloatImage src = t == 2 ? MultiCropAugmentationTest.randomImage(1, 60, 80, 9) : image;
            int h = sizes[t][0];
            int w = sizes[t][1];
            float[] expected = BicubicResampler.resizedCrop(src.toRgb(), boxes[t], h, w).data();
            ColorOps.horizontalFlip(expected, 0, 3, h, w);
            CropPlanes p = CropPlanes.get(h * w);
            BicubicResampler.resizedCrop(src, boxes[t], h, w, p, true);
            float[] actual = new float[3 * h * w];
            p.store(actual, 0, h * w);
            assertArrayEquals(expected, actual, "box " + boxes[t]);
        }
    }

    @Test
    void rowSumsAddOneRowAtATime() {
        SplittableRandom rng = new SplittableRandom(10);
        float[][] rows = new float[20][37];
        for (float[] row : rows) {
            for (int x = 0; x < row.length; x++) {
                row[x] = (float) rng.nextDouble() - 0.2f;
            }
        }
        float[] weights = new float[20];
        for (int k = 0; k < weights.length; k++) {
            weights[k] = (float) rng.nextDouble() - 0.3f;
        }
        for (int count = 1; count <= 15; count++) {
            float[] expected = new float[37];
            for (int x = 0; x < 37; x++) {
                float sum = weights[1] * rows[2][x];
                for (int k = 1; k < count; k++) {
                    sum += weights[1 + k] * rows[2 + k][x];
                }
                expected[x] = sum;
            }
            float[] actual = new float[37];
            RowWorkspace.weightedRowSum(rows, 2, weights, 1, count, actual, 37);
            assertArrayEquals(expected, actual, "count " + count);
        }
    }
}
