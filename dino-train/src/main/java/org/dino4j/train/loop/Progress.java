package org.dino4j.train.loop;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;
import org.dino4j.train.augment.FloatImage;
import org.dino4j.train.data.ImageDataset;
import org.slf4j.Logger;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Console progress of long work (training epochs, feature extraction): a progress bar on stderr with ETA,
 * images/s and the running loss when stderr is a terminal, and plain periodic log lines otherwise, so that logs
 * written to a file stay readable.
 *
 * <p>The mode is read from the system property {@value #PROPERTY}: {@code auto} (the default: a bar when stderr is
 * a terminal), {@code bar} (always a bar) or {@code log} (never a bar: the quiet mode for logs, which the commands'
 * {@code --quiet} selects).
 *
 * <pre>{@code
 * try (Progress.Bar bar = Progress.start("epoch 1/5", iterations, 0, "it", null)) {
 *     for (...) { ...; bar.step(batchSize, loss); }
 * }
 * }</pre>
 */
public final class Progress {

    /** The system property that selects the mode: {@code auto}, {@code bar} or {@code log}. */
    public static final String PROPERTY = "dino.progress";

    /** Without a bar, long tasks that ask for it log a line this often. */
    static final Duration LOG_INTERVAL = Duration.ofSeconds(15);

    /** How progress is shown. */
    public enum Mode {
        /** A bar when stderr is a terminal, log lines otherwise. */
        AUTO,
        /** Always a bar. */
        BAR,
        /** Never a bar: the quiet mode for logs. */
        LOG;

        /** The name used in {@value #PROPERTY}. */
        public String configName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static volatile Supplier<PrintStream> stream = () -> System.err;

    private Progress() {}

    /**
     * The mode the system property selects.
     *
     * @return the mode ({@link Mode#AUTO} when unset)
     * @throws IllegalArgumentException if the property holds another value
     */
    public static Mode mode() {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) {
            return Mode.AUTO;
        }
        for (Mode m : Mode.values()) {
            if (m.configName().equals(v.trim().toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("-D" + PROPERTY + "=" + v + " is not a progress mode; use one of "
                + List.of("auto", "bar", "log"));
    }

    /** Selects the quiet mode for the rest of this JVM: log lines, never a bar. */
    public static void quiet() {
        System.setProperty(PROPERTY, Mode.LOG.configName());
    }

    /** Whether progress is drawn as bars in the current mode. */
    public static boolean showsBars() {
        return switch (mode()) {
            case BAR -> true;
            case LOG -> false;
            case AUTO -> stderrIsTerminal();
        };
    }

    /**
     * Whether stderr is a terminal. On Linux, where the file descriptor points; elsewhere the JVM's console (which
     * needs stdin and stdout to be terminals, the usual interactive case).
     */
    static boolean stderrIsTerminal() {
        Path fd = Path.of("/proc/self/fd/2");
        if (Files.exists(fd, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try {
                String target = Files.readSymbolicLink(fd).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                return System.console() != null;
            }
        }
        return System.console() != null;
    }

    /** Where bars are drawn (stderr; tests capture it). */
    static void redirect(Supplier<PrintStream> target) {
        stream = target == null ? () -> System.err : target;
    }

    /**
     * Starts showing progress of one task.
     *
     * @param task the name shown, e.g. {@code epoch 2/5}
     * @param total units of work in the task
     * @param done units already done (a resumed epoch starts part-way)
     * @param unit the unit counted, e.g. {@code it} or {@code img}
     * @param periodicLog where to log a progress line every {@link #LOG_INTERVAL} when no bar is drawn, or null for
     *     no lines (when the caller logs on its own, as the training loop does)
     * @return the running task; close it when the task ends
     */
    public static Bar start(String task, long total, long done, String unit, Logger periodicLog) {
        if (total < 0 || done < 0 || done > total) {
            throw new IllegalArgumentException("progress of '" + task + "' needs 0 <= done <= total, got done " + done
                    + " of " + total);
        }
        ProgressBar bar = null;
        if (showsBars()) {
            PrintStream out = stream.get();
            // a fixed width when forced onto a stream that is not a terminal: asking for the terminal's would fail
            ProgressBarConsumer consumer = out == System.err && stderrIsTerminal()
                    ? new ConsoleProgressBarConsumer(out) : new ConsoleProgressBarConsumer(out, 110);
            bar = new ProgressBarBuilder()
                    .setTaskName(task)
                    .setInitialMax(total)
                    .startsFrom(done, Duration.ZERO)
                    .setUnit(" " + unit, 1)
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(250)
                    .setConsumer(consumer)
                    .build();
        }
        return new Bar(task, total, done, unit, bar, periodicLog);
    }

    /**
     * One task in progress. Thread-safe: feature extraction may count images from loader threads.
     */
    public static final class Bar implements AutoCloseable {

        /** Weight of the newest loss in the running loss (an exponential average over about 20 steps). */
        private static final double LOSS_SMOOTHING = 0.1;

        private final String task;
        private final long total;
        private final String unit;
        private final ProgressBar bar;
        private final Logger periodicLog;
        private final AtomicLong done;
        private final long startDone;
        private final long startNanos = System.nanoTime();
        private long images;
        private double runningLoss;
        private double lossWeight;
        private long lastLogNanos = System.nanoTime();
        private boolean closed;

        private Bar(String task, long total, long done, String unit, ProgressBar bar, Logger periodicLog) {
            this.task = task;
            this.total = total;
            this.unit = unit;
            this.bar = bar;
            this.periodicLog = periodicLog;
            this.done = new AtomicLong(done);
            this.startDone = done;
        }

        /** Whether a bar is drawn (otherwise progress goes to the log, if anywhere). */
        public boolean visible() {
            return bar != null;
        }

        /**
         * One training iteration done.
         *
         * @param batchImages images in the batch, for images/s
         * @param loss the step's loss, for the running loss
         */
        public synchronized void step(int batchImages, double loss) {
            images += batchImages;
            if (Double.isFinite(loss)) {
                // bias-corrected exponential average, so the first steps are not pulled towards 0
                lossWeight = lossWeight * (1 - LOSS_SMOOTHING) + LOSS_SMOOTHING;
                runningLoss = runningLoss * (1 - LOSS_SMOOTHING) + LOSS_SMOOTHING * loss;
            }
            advance(1);
        }

        /** {@code n} units done (images, for feature extraction). */
        public synchronized void stepBy(long n) {
            advance(n);
        }

        private void advance(long n) {
            long now = done.addAndGet(n);
            if (bar != null) {
                bar.stepTo(now);
                bar.setExtraMessage(extra());
            } else if (periodicLog != null && System.nanoTime() - lastLogNanos > LOG_INTERVAL.toNanos()) {
                lastLogNanos = System.nanoTime();
                periodicLog.info("{}: {}", task, summary());
            }
        }

        /** The running loss (exponential average), NaN before the first step. */
        public synchronized double runningLoss() {
            return lossWeight == 0 ? Double.NaN : runningLoss / lossWeight;
        }

        /** Units done so far (including those done before the bar started). */
        public long done() {
            return done.get();
        }

        /**
         * Logs a message at info level when no bar is drawn and at debug level when one is, where the bar shows the
         * same figures and a log line would break it.
         */
        public void log(Logger logger, String message) {
            if (bar == null) {
                logger.info(message);
            } else {
                logger.debug(message);
            }
        }

        /**
         * A view of {@code data} that counts every decoded image as one unit of this task, for work that reads a
         * dataset once (feature extraction).
         *
         * @param data the dataset
         * @return the counting view (same size, labels and images)
         */
        public ImageDataset track(ImageDataset data) {
            return new ImageDataset() {
                @Override
                public int size() {
                    return data.size();
                }

                @Override
                public FloatImage image(int i) {
                    FloatImage img = data.image(i);
                    stepBy(1);
                    return img;
                }

                @Override
                public int label(int i) {
                    return data.label(i);
                }

                @Override
                public List<String> classNames() {
                    return data.classNames();
                }
            };
        }

        /** Units done, rate and ETA on one line, as the periodic log lines show them. */
        public synchronized String summary() {
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            long now = done.get();
            double rate = (now - startDone) / Math.max(seconds, 1e-9);
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%d/%d %s, %.1f %s/s", now, total, unit,
                    rate, unit));
            if (rate > 0 && now < total) {
                sb.append(", ETA ").append(formatSeconds((total - now) / rate));
            }
            String extra = extra();
            if (!extra.isEmpty()) {
                sb.append(", ").append(extra);
            }
            return sb.toString();
        }

        private String extra() {
            StringBuilder sb = new StringBuilder();
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            if (images > 0) {
                sb.append(String.format(Locale.ROOT, "%.0f img/s", images / Math.max(seconds, 1e-9)));
            }
            double loss = runningLoss();
            if (Double.isFinite(loss)) {
                sb.append(sb.length() > 0 ? ", " : "").append(String.format(Locale.ROOT, "loss %.4f", loss));
            }
            return sb.toString();
        }

        private static String formatSeconds(double s) {
            long t = Math.round(s);
            return t >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
                    : String.format(Locale.ROOT, "%d:%02d", t / 60, t % 60);
        }

        /** Ends the task: the bar is drawn one last time and the line ended. */
        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (bar != null) {
                bar.setExtraMessage(extra());
                bar.close();
            }
        }
    }
}
