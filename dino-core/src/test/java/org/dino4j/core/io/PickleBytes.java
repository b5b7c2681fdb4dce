package org.dino4j.core.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Writes small protocol-2 pickles and torch.save-style zips by hand, for reader tests. */
final class PickleBytes {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PickleBytes() {
        raw(0x80, 2);
    }

    PickleBytes raw(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    PickleBytes global(String module, String name) {
        out.write('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    PickleBytes str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write('X');
        le(b.length, 4);
        out.writeBytes(b);
        return this;
    }

    PickleBytes integer(long v) {
        if (v >= 0 && v < 256) {
            raw('K', (int) v);
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            out.write('J');
            le(v, 4);
        } else {
            raw(0x8a, 8);
            le(v, 8);
        }
        return this;
    }

    PickleBytes mark() {
        return raw('(');
    }

    PickleBytes tuple() {
        return raw('t');
    }

    PickleBytes emptyTuple() {
        return raw(')');
    }

    PickleBytes reduce() {
        return raw('R');
    }

    PickleBytes falseValue() {
        return raw(0x89);
    }

    PickleBytes stop() {
        return raw('.');
    }

    /** A 1-d float tensor {@code (storage key, numel)} viewed with one size and one stride. */
    PickleBytes floatTensor(String key, long numel, long offset, long size, long stride) {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        mark().str("storage").global("torch", "FloatStorage").str(key).str("cuda:0").integer(numel).tuple();
        raw('Q');
        integer(offset);
        integer(size).raw(0x85);
        integer(stride).raw(0x85);
        falseValue();
        global("collections", "OrderedDict").emptyTuple().reduce();
        return tuple().reduce();
    }

    private void le(long v, int bytes) {
        for (int i = 0; i < bytes; i++) {
            out.write((int) (v >>> (8 * i)) & 0xff);
        }
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /** Writes a zip with {@code archive/data.pkl} and the given extra records (name relative to the prefix). */
    static Path zip(Path file, byte[] pickle, Map<String, byte[]> records) throws IOException {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            zip.write(pickle);
            zip.closeEntry();
            for (Map.Entry<String, byte[]> e : records.entrySet()) {
                zip.putNextEntry(new ZipEntry("archive/" + e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return file;
    }
}
