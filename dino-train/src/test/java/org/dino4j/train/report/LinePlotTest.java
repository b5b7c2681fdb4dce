package org.dino4j.train.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinePlotTest {

    @Test
    void writesAReadablePngWithTheSeriesDrawn(@TempDir Path tmp) throws IOException {
        double[] x = {1, 2, 3, 4, 5};
        LinePlot plot = LinePlot.builder().setTitle("loss").setXLabel("iteration").setYLabel("loss")
                .addSeries(new LinePlot.Series("a", x, new double[] {5, 4, 3.5, 3.2, 3.1}, LinePlot.BLUE, true))
                .addSeries(new LinePlot.Series("b", x, new double[] {6, 5, Double.NaN, 4, 3.9}, LinePlot.ORANGE,
                        false))
                .optSize(400, 300)
                .build();

        Path file = plot.writePng(tmp.resolve("plots/loss.png"));
        BufferedImage img = ImageIO.read(file.toFile());

        assertEquals(400, img.getWidth());
        assertEquals(300, img.getHeight());
        assertTrue(count(img, LinePlot.BLUE.getRGB()) > 50, "the blue series is drawn");
        assertTrue(count(img, LinePlot.ORANGE.getRGB()) > 30, "the orange series is drawn");
        assertTrue(count(img, 0xFFFFFFFF) > 400 * 300 / 2, "mostly white background");
    }

    @Test
    void theLegendAvoidsTheData() {
        // both curves rise into the top-right corner, where the legend would go by default
        double[] x = {0, 1, 2, 3};
        BufferedImage img = LinePlot.builder().setTitle("k-NN").setXLabel("epoch").setYLabel("accuracy")
                .addSeries(new LinePlot.Series("k = 20", x, new double[] {50, 53, 56, 60}, LinePlot.BLUE, true))
                .addSeries(new LinePlot.Series("k = 1", x, new double[] {48, 50, 52, 55}, LinePlot.ORANGE, true))
                .optSize(400, 300).build().render();

        // the frame spans x from about 50 to 380 and y from 44 to 248; the legend's text is black
        assertEquals(0, countIn(img, 0xFF000000, 280, 378, 46, 90), "no legend in the top-right corner");
        assertTrue(countIn(img, 0xFF000000, 60, 160, 46, 90) > 20, "the legend moved to the top-left corner");
    }

    static int countIn(BufferedImage img, int argb, int x0, int x1, int y0, int y1) {
        int n = 0;
        for (int y = y0; y < y1; y++) {
            for (int x = x0; x < x1; x++) {
                n += (img.getRGB(x, y) | 0xFF000000) == (argb | 0xFF000000) ? 1 : 0;
            }
        }
        return n;
    }

    @Test
    void ticksAreRoundAndCoverTheRange() {
        assertArrayEquals(new double[] {0, 20, 40, 60, 80, 100}, LinePlot.ticks(3, 97, 6), 1e-9);
        assertArrayEquals(new double[] {2.6, 2.8, 3, 3.2, 3.4}, LinePlot.ticks(2.6, 3.4, 5), 1e-9);
        assertArrayEquals(new double[] {2.5, 2.75, 3, 3.25}, LinePlot.ticks(2.55, 3.2, 4), 1e-9);
        double[] t = LinePlot.ticks(1, 234, 7);
        assertTrue(t[0] <= 1 && t[t.length - 1] >= 234, java.util.Arrays.toString(t));
        assertEquals("0.25", LinePlot.format(0.25, new double[] {0, 0.25}));
        assertEquals("40", LinePlot.format(40, new double[] {0, 20}));
        assertEquals("3.5", LinePlot.format(3.5, new double[] {3, 3.5}));
    }

    @Test
    void badInputIsNamed() {
        IllegalArgumentException lengths = assertThrows(IllegalArgumentException.class,
                () -> new LinePlot.Series("k = 20", new double[] {1, 2}, new double[] {1}, LinePlot.BLUE, true));
        assertEquals("series 'k = 20' has 2 x values but 1 y values; they must pair up", lengths.getMessage());

        IllegalArgumentException noSeries = assertThrows(IllegalArgumentException.class,
                () -> LinePlot.builder().setTitle("t").setXLabel("x").setYLabel("y").build());
        assertEquals("a plot needs at least one series (addSeries)", noSeries.getMessage());

        IllegalArgumentException noTitle = assertThrows(IllegalArgumentException.class,
                () -> LinePlot.builder().setXLabel("x").setYLabel("y").build());
        assertEquals("a plot needs setTitle, setXLabel and setYLabel", noTitle.getMessage());

        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> LinePlot.builder().setTitle("t").setXLabel("x").setYLabel("y").optYRange(1, 1)
                        .addSeries(new LinePlot.Series("s", new double[] {0}, new double[] {0}, LinePlot.RED, true))
                        .build());
        assertEquals("y range [1.0, 1.0] is empty; min must be < max", range.getMessage());
    }

    @Test
    void aSinglePointOrEmptyDataStillRenders() {
        BufferedImage one = LinePlot.builder().setTitle("t").setXLabel("x").setYLabel("y")
                .addSeries(new LinePlot.Series("s", new double[] {0}, new double[] {42}, LinePlot.RED, true))
                .build().render();
        BufferedImage none = LinePlot.builder().setTitle("t").setXLabel("x").setYLabel("y")
                .addSeries(new LinePlot.Series("s", new double[0], new double[0], LinePlot.RED, true))
                .build().render();

        assertTrue(count(one, LinePlot.RED.getRGB()) > 10, "the point's marker");
        assertEquals(0, count(none, LinePlot.RED.getRGB()));
    }

    static int count(BufferedImage img, int argb) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if ((img.getRGB(x, y) | 0xFF000000) == (argb | 0xFF000000)) {
                    n++;
                }
            }
        }
        return n;
    }
}
