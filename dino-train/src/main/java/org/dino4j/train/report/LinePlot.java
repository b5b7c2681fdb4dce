package org.dino4j.train.report;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A line chart drawn with Java2D into a PNG: title, labelled axes with round tick values, grid, one or more series
 * and a legend. Enough for training curves without a plotting dependency; runs headless.
 *
 * <pre>{@code
 * LinePlot.builder().setTitle("DINO loss").setXLabel("iteration").setYLabel("loss")
 *         .addSeries(new LinePlot.Series("loss", x, y, LinePlot.BLUE, false))
 *         .build().writePng(runDir.resolve("plots/loss.png"));
 * }</pre>
 */
public final class LinePlot {

    /** Colours of the default palette, distinguishable in colour-blind vision (Okabe-Ito). */
    public static final Color BLUE = new Color(0, 114, 178);
    /** Orange of the palette. */
    public static final Color ORANGE = new Color(230, 159, 0);
    /** Green of the palette. */
    public static final Color GREEN = new Color(0, 158, 115);
    /** Vermillion of the palette. */
    public static final Color RED = new Color(213, 94, 0);
    /** Light blue of the palette. */
    public static final Color SKY = new Color(86, 180, 233);
    /** Purple of the palette. */
    public static final Color PURPLE = new Color(204, 121, 167);
    /** The palette in order, for series without a chosen colour. */
    public static final List<Color> PALETTE = List.of(BLUE, ORANGE, GREEN, RED, SKY, PURPLE);

    private static final Color GRID = new Color(225, 225, 225);
    private static final Color AXIS = new Color(60, 60, 60);

    /**
     * One curve: points joined in the given order (non-finite points are skipped and break the line).
     *
     * @param name the legend entry
     * @param x x values
     * @param y y values, as many as {@code x}
     * @param color its colour
     * @param markers whether to draw a dot at every point (for sparse series such as evaluations)
     * @param width line width in pixels
     */
    public record Series(String name, double[] x, double[] y, Color color, boolean markers, float width) {

        /** Checks the lengths. */
        public Series {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(color, "color");
            if (x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "' has " + x.length + " x values but "
                        + y.length + " y values; they must pair up");
            }
            x = x.clone();
            y = y.clone();
        }

        /** A series with a 2-pixel line. */
        public Series(String name, double[] x, double[] y, Color color, boolean markers) {
            this(name, x, y, color, markers, 2f);
        }
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series;
    private final int width;
    private final int height;
    private final Double yMin;
    private final Double yMax;
    private final boolean integerX;

    private LinePlot(Builder b) {
        this.title = b.title;
        this.xLabel = b.xLabel;
        this.yLabel = b.yLabel;
        this.series = List.copyOf(b.series);
        this.width = b.width;
        this.height = b.height;
        this.yMin = b.yMin;
        this.yMax = b.yMax;
        this.integerX = b.integerX;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Draws the chart.
     *
     * @return an RGB image of the configured size
     */
    public BufferedImage render() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            draw(g);
        } finally {
            g.dispose();
        }
        return img;
    }

    /**
     * Draws the chart into a PNG file (parent folders are created).
     *
     * @param file the target
     * @return {@code file}
     * @throws IOException if it cannot be written
     */
    public Path writePng(Path file) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        if (!ImageIO.write(render(), "png", file.toFile())) {
            throw new IOException("no PNG writer available in this Java runtime for " + file);
        }
        return file;
    }

    private void draw(Graphics2D g) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);

        Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 16);
        Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
        Font tickFont = new Font(Font.SANS_SERIF, Font.PLAIN, 11);

        double[] xr = range(true);
        double[] yr = range(false);
        if (yMin != null) {
            yr[0] = yMin;
        }
        if (yMax != null) {
            yr[1] = yMax;
        }
        double[] xTicks = ticks(xr[0], xr[1], 7);
        if (integerX && xTicks.length > 1 && xTicks[1] - xTicks[0] < 1) {
            xTicks = ticks(xr[0], Math.max(xr[1], xr[0] + 1), (int) Math.round(xr[1] - xr[0]) + 1);
        }
        double[] yTicks = ticks(yr[0], yr[1], 6);
        if (yMin == null) {
            yr[0] = Math.min(yr[0], yTicks[0]);
        }
        if (yMax == null) {
            yr[1] = Math.max(yr[1], yTicks[yTicks.length - 1]);
        }
        yTicks = ticks(yr[0], yr[1], 6);

        g.setFont(tickFont);
        FontMetrics tm = g.getFontMetrics();
        int yTickWidth = 0;
        for (double t : yTicks) {
            yTickWidth = Math.max(yTickWidth, tm.stringWidth(format(t, yTicks)));
        }
        int left = 30 + yTickWidth + 10;
        int right = width - 20;
        int top = 44;
        int bottom = height - 52;
        Frame f = new Frame(left, right, top, bottom, xr[0], xr[1], yr[0], yr[1]);

        // grid and ticks
        g.setStroke(new BasicStroke(1f));
        for (double t : xTicks) {
            if (t < xr[0] - 1e-12 || t > xr[1] + 1e-12) {
                continue;
            }
            int px = (int) Math.round(f.px(t));
            g.setColor(GRID);
            g.drawLine(px, top, px, bottom);
            g.setColor(AXIS);
            g.drawLine(px, bottom, px, bottom + 4);
            String s = format(t, xTicks);
            g.drawString(s, px - tm.stringWidth(s) / 2, bottom + 6 + tm.getAscent());
        }
        for (double t : yTicks) {
            if (t < yr[0] - 1e-12 || t > yr[1] + 1e-12) {
                continue;
            }
            int py = (int) Math.round(f.py(t));
            g.setColor(GRID);
            g.drawLine(left, py, right, py);
            g.setColor(AXIS);
            g.drawLine(left - 4, py, left, py);
            String s = format(t, yTicks);
            g.drawString(s, left - 7 - tm.stringWidth(s), py + tm.getAscent() / 2 - 1);
        }
        g.setColor(AXIS);
        g.drawRect(left, top, right - left, bottom - top);

        // series, clipped to the frame
        java.awt.Shape clip = g.getClip();
        g.clipRect(left, top, right - left + 1, bottom - top + 1);
        for (Series s : series) {
            g.setColor(s.color());
            g.setStroke(new BasicStroke(s.width(), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            Path2D.Double line = new Path2D.Double();
            boolean open = false;
            for (int i = 0; i < s.x().length; i++) {
                double x = s.x()[i];
                double y = s.y()[i];
                if (!Double.isFinite(x) || !Double.isFinite(y)) {
                    open = false;
                    continue;
                }
                if (open) {
                    line.lineTo(f.px(x), f.py(y));
                } else {
                    line.moveTo(f.px(x), f.py(y));
                    open = true;
                }
            }
            g.draw(line);
            if (s.markers()) {
                for (int i = 0; i < s.x().length; i++) {
                    if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])) {
                        double r = 3.5 + s.width() / 2;
                        g.fill(new Ellipse2D.Double(f.px(s.x()[i]) - r, f.py(s.y()[i]) - r, 2 * r, 2 * r));
                    }
                }
            }
        }
        g.setClip(clip);

        // title and axis labels
        g.setColor(Color.BLACK);
        g.setFont(titleFont);
        FontMetrics fm = g.getFontMetrics();
        g.drawString(title, (width - fm.stringWidth(title)) / 2, 12 + fm.getAscent());
        g.setFont(labelFont);
        fm = g.getFontMetrics();
        g.drawString(xLabel, left + (right - left - fm.stringWidth(xLabel)) / 2, height - 12);
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2);
        g.drawString(yLabel, -(top + (bottom - top + fm.stringWidth(yLabel)) / 2), 8 + fm.getAscent());
        g.setTransform(saved);

        legend(g, labelFont, f);
    }

    private void legend(Graphics2D g, Font font, Frame f) {
        if (series.size() < 2) {
            return;
        }
        g.setFont(font);
        FontMetrics fm = g.getFontMetrics();
        int w = 0;
        for (Series s : series) {
            w = Math.max(w, fm.stringWidth(s.name()));
        }
        int boxW = w + 44;
        int boxH = series.size() * (fm.getHeight() + 2) + 8;
        // the corner that covers the fewest data points, top right on a tie
        int[][] corners = {{f.right() - boxW - 8, f.top() + 8}, {f.left() + 8, f.top() + 8},
                {f.right() - boxW - 8, f.bottom() - boxH - 8}, {f.left() + 8, f.bottom() - boxH - 8}};
        int x0 = corners[0][0];
        int y0 = corners[0][1];
        int fewest = Integer.MAX_VALUE;
        for (int[] c : corners) {
            int covered = covered(f, c[0] - 6, c[1] - 6, boxW + 12, boxH + 12);
            if (covered < fewest) {
                fewest = covered;
                x0 = c[0];
                y0 = c[1];
            }
        }
        g.setColor(new Color(255, 255, 255, 225));
        g.fillRect(x0, y0, boxW, boxH);
        g.setColor(GRID.darker());
        g.setStroke(new BasicStroke(1f));
        g.drawRect(x0, y0, boxW, boxH);
        int y = y0 + 4 + fm.getAscent();
        for (Series s : series) {
            g.setColor(s.color());
            g.setStroke(new BasicStroke(Math.max(2f, s.width())));
            int ly = y - fm.getAscent() / 2 + 1;
            g.drawLine(x0 + 8, ly, x0 + 30, ly);
            g.setColor(Color.BLACK);
            g.drawString(s.name(), x0 + 36, y);
            y += fm.getHeight() + 2;
        }
    }

    /** How many points (and points along the segments between them) fall into a rectangle of the frame. */
    private int covered(Frame f, int x, int y, int w, int h) {
        int n = 0;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                for (int k = 0; k < 8; k++) {
                    // sample each segment, so that a line crossing the box counts even without a point inside
                    int j = Math.min(i + 1, s.x().length - 1);
                    double t = k / 8.0;
                    double px = f.px(s.x()[i] + t * (s.x()[j] - s.x()[i]));
                    double py = f.py(s.y()[i] + t * (s.y()[j] - s.y()[i]));
                    if (px >= x && px <= x + w && py >= y && py <= y + h) {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    /** The data range along x or y over all finite points, widened when empty or flat. */
    private double[] range(boolean alongX) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])) {
                    double v = alongX ? s.x()[i] : s.y()[i];
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (lo > hi) {
            return new double[] {0, 1};
        }
        if (hi - lo < 1e-12) {
            double pad = Math.max(Math.abs(lo) * 0.05, 0.5);
            return new double[] {lo - pad, hi + pad};
        }
        if (!alongX) {
            double pad = (hi - lo) * 0.04;
            return new double[] {lo - pad, hi + pad};
        }
        return new double[] {lo, hi};
    }

    /**
     * Round tick values covering {@code [lo, hi]}: steps of 1, 2 or 5 times a power of ten.
     *
     * @param lo range start
     * @param hi range end, {@code > lo}
     * @param target about how many ticks
     * @return the ticks from the last step at or below {@code lo} to the first at or above {@code hi}
     */
    static double[] ticks(double lo, double hi, int target) {
        double raw = (hi - lo) / Math.max(1, target - 1);
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = mag;
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            step = m * mag;
            if (step >= raw) {
                break;
            }
        }
        double start = Math.floor(lo / step + 1e-9) * step;
        double end = Math.ceil(hi / step - 1e-9) * step;
        List<Double> out = new ArrayList<>();
        long n = Math.round((end - start) / step);
        for (long i = 0; i <= n; i++) {
            double t = start + i * step; // by index, so that rounding errors do not add up
            out.add(Math.abs(t) < step * 1e-9 ? 0 : t);
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** A tick label with as many decimals as the tick step needs. */
    static String format(double v, double[] ticks) {
        double step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : Math.abs(v);
        int decimals = step >= 1 || step == 0 ? 0 : (int) Math.ceil(-Math.log10(step) - 1e-9);
        if (step > 0 && Math.abs(step * Math.pow(10, decimals) - Math.round(step * Math.pow(10, decimals))) > 1e-6) {
            decimals++; // 2.5, 0.25, ...
        }
        if (Math.abs(v) >= 1e5 && step >= 1) {
            return String.format(Locale.ROOT, "%.0fk", v / 1000);
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** Maps data coordinates into the plot frame. */
    private record Frame(int left, int right, int top, int bottom, double x0, double x1, double y0, double y1) {
        double px(double x) {
            return left + (x - x0) / (x1 - x0) * (right - left);
        }

        double py(double y) {
            return bottom - (y - y0) / (y1 - y0) * (bottom - top);
        }
    }

    /** Builds a {@link LinePlot}: {@code setTitle}, {@code setXLabel}, {@code setYLabel} and a series required. */
    public static final class Builder {
        private String title;
        private String xLabel;
        private String yLabel;
        private final List<Series> series = new ArrayList<>();
        private int width = 720;
        private int height = 420;
        private Double yMin;
        private Double yMax;
        private boolean integerX;

        private Builder() {}

        /** The title above the chart. */
        public Builder setTitle(String title) {
            this.title = title;
            return this;
        }

        /** The x-axis label. */
        public Builder setXLabel(String xLabel) {
            this.xLabel = xLabel;
            return this;
        }

        /** The y-axis label. */
        public Builder setYLabel(String yLabel) {
            this.yLabel = yLabel;
            return this;
        }

        /** Adds a curve (drawn in the order added; the legend appears with two or more). */
        public Builder addSeries(Series s) {
            series.add(Objects.requireNonNull(s, "series"));
            return this;
        }

        /** The image size in pixels (default 720 x 420). */
        public Builder optSize(int width, int height) {
            this.width = width;
            this.height = height;
            return this;
        }

        /** A fixed y range instead of the data's (e.g. 0 to 100 for accuracies). */
        public Builder optYRange(double min, double max) {
            this.yMin = min;
            this.yMax = max;
            return this;
        }

        /** Whole-number x ticks only (for epochs). */
        public Builder optIntegerX() {
            this.integerX = true;
            return this;
        }

        /**
         * @return the plot
         * @throws IllegalArgumentException if a required field is missing or the size or y range is unusable
         */
        public LinePlot build() {
            if (title == null || xLabel == null || yLabel == null) {
                throw new IllegalArgumentException("a plot needs setTitle, setXLabel and setYLabel");
            }
            if (series.isEmpty()) {
                throw new IllegalArgumentException("a plot needs at least one series (addSeries)");
            }
            if (width < 200 || height < 150) {
                throw new IllegalArgumentException("plot size " + width + "x" + height
                        + " is too small for axes and labels; use at least 200x150");
            }
            if (yMin != null && !(yMin < yMax)) {
                throw new IllegalArgumentException("y range [" + yMin + ", " + yMax + "] is empty; min must be < max");
            }
            return new LinePlot(this);
        }
    }
}
