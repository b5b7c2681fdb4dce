package org.dino4j.train.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The resident memory of this process as the Linux kernel reports it in {@code /proc/self/status}: native tensors
 * live outside the Java heap, so only the kernel's figure shows the whole footprint of a training step.
 *
 * @param peakResidentKiB {@code VmHWM}: the largest resident set so far ("high water mark"), KiB
 * @param residentKiB {@code VmRSS}: the resident set now, KiB
 */
public record ProcessMemory(long peakResidentKiB, long residentKiB) {

    private static final Path STATUS = Path.of("/proc/self/status");

    /**
     * Reads the figures of this process.
     *
     * @return the figures, or empty where {@code /proc/self/status} does not exist or lacks them (not Linux)
     */
    public static Optional<ProcessMemory> current() {
        if (!Files.isReadable(STATUS)) {
            return Optional.empty();
        }
        try {
            return parse(Files.readString(STATUS));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Parses the text of a {@code /proc/PID/status} file.
     *
     * @param status the file's text, with lines such as {@code VmRSS:\t  123456 kB}
     * @return the figures, or empty when either line is missing
     */
    public static Optional<ProcessMemory> parse(String status) {
        long hwm = -1;
        long rss = -1;
        for (String line : status.split("\n")) {
            if (line.startsWith("VmHWM:")) {
                hwm = kib(line);
            } else if (line.startsWith("VmRSS:")) {
                rss = kib(line);
            }
        }
        return hwm >= 0 && rss >= 0 ? Optional.of(new ProcessMemory(hwm, rss)) : Optional.empty();
    }

    /** The resident set in MiB. */
    public double residentMiB() {
        return residentKiB / 1024.0;
    }

    /** The peak resident set in MiB. */
    public double peakResidentMiB() {
        return peakResidentKiB / 1024.0;
    }

    private static long kib(String line) {
        // "VmRSS:\t  123456 kB": the kernel always reports these in kB (KiB)
        String[] parts = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        try {
            return Long.parseLong(parts[0]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
