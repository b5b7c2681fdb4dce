package org.dino4j.train.data;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.dino4j.train.augment.FloatImage;
import org.dino4j.train.augment.MultiCropAugmentation;
import org.dino4j.train.augment.MultiCropConfig;

/**
 * Single-thread augmentation throughput (a measurement, not a test): Fashion-MNIST-sized 2 x 28 + 6 x 12 crops, and
 * 2 x 224 + 6 x 96 crops from a 500 x 375 RGB image. Rates are per second of this thread's CPU time, which other
 * processes on a busy machine do not inflate. Run with the test class path:
 * {@code java -cp ... org.dino4j.train.data.AugmentationBenchmark [seconds] [folder with a 500x375 photo]}.
 */
public final class AugmentationBenchmark {

    private AugmentationBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
        FloatImage large;
        String what;
        if (args.length > 1) {
            ImageFolderDataset folder = ImageFolderDataset.open(Path.of(args[1]));
            large = folder.image(0);
            what = folder.path(0).getFileName().toString();
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            for (int i = 0; i < 50; i++) {
                folder.image(0);
            }
            long t0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < 200; i++) {
                folder.image(0);
            }
            System.out.printf("decode %s (%dx%d): %.2f ms per image%n", what, large.width(), large.height(),
                    (mx.getCurrentThreadCpuTime() - t0) / 200e6);
        } else {
            large = smoothImage(375, 500);
            what = "synthetic";
        }
        report("28x28 gray, 2x28 + 6x12", MultiCropConfig.fashionMnist(), smoothImage(28, 28), seconds);
        report(large.width() + "x" + large.height() + " " + what + ", 2x224 + 6x96",
                MultiCropConfig.dino().withSizes(224, 96, 6), large, seconds);
    }

    /** Smooth colour gradients with mild noise, closer to a photograph than white noise. */
    static FloatImage smoothImage(int h, int w) {
        SplittableRandom rng = new SplittableRandom(1);
        float[] d = new float[3 * h * w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v = 0.5 + 0.3 * Math.sin(0.03 * x * (c + 1) + 0.02 * y) * Math.cos(0.025 * y * (3 - c))
                            + 0.05 * (rng.nextDouble() - 0.5);
                    d[(c * h + y) * w + x] = (float) Math.max(0, Math.min(1, v));
                }
            }
        }
        return new FloatImage(3, h, w, d);
    }

    private static void report(String name, MultiCropConfig config, FloatImage image, double seconds) {
        MultiCropAugmentation aug = new MultiCropAugmentation(config);
        run(aug, image, seconds / 2); // warm-up for the JIT
        double rate = run(aug, image, seconds);
        System.out.printf("%-40s %8.1f images/s on 1 thread (%.3f ms per image)%n", name, rate, 1000 / rate);
    }

    private static double run(MultiCropAugmentation aug, FloatImage image, double seconds) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long start = mx.getCurrentThreadCpuTime();
        int n = 0;
        float sink = 0;
        while (System.nanoTime() < end) {
            float[][] crops = aug.apply(image, new SplittableRandom(n++));
            sink += crops[0][0];
        }
        double elapsed = (mx.getCurrentThreadCpuTime() - start) * 1e-9;
        if (sink == 42.4242f) {
            System.out.println("(ignore)");
        }
        return n / elapsed;
    }
}
