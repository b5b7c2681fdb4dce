package org.dino4j.core.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad input to {@link PthReader}: truncated, random, corrupted and hand-crafted malicious files all fail with an
 * {@link IOException} naming the file and the problem, quickly, without allocating what they claim.
 */
class PthReaderCorruptFilesTest {

    private static final Duration QUICK = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private static IOException readFails(Path file) {
        return assertTimeoutPreemptively(QUICK, () -> assertThrows(IOException.class, () -> PthReader.read(file)));
    }

    private static String message(Path file) {
        return readFails(file).getMessage();
    }

    @Test
    void truncatedCopiesFailWithTheFileName() throws IOException {
        byte[] full = Files.readAllBytes(CheckpointFixtures.pth(CheckpointFixtures.open("dino_backbone")));
        int[] lengths = {1, 3, 4, 22, 64, 100, 1000, full.length / 3, full.length / 2, full.length - 100,
            full.length - 23, full.length - 1};
        for (int n : lengths) {
            Path f = Files.write(dir.resolve("truncated_" + n + ".pth"), Arrays.copyOf(full, n));
            String m = message(f);
            assertTrue(m.startsWith(f.toString()), m);
            if (n >= 4) {
                assertTrue(m.contains("is corrupt or truncated (not a readable zip archive"), m);
            }
        }
        Path three = dir.resolve("truncated_3.pth");
        assertEquals(three + " is not a PyTorch checkpoint: expected a zip archive (the torch.save format since"
                + " PyTorch 1.6), but the file starts with bytes 50 4b 03", message(three));
    }

    @Test
    void randomBytesFailClearly() throws IOException {
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < 20; i++) {
            byte[] b = new byte[1 + rng.nextInt(5000)];
            rng.nextBytes(b);
            b[0] = 0x11;
            Path f = Files.write(dir.resolve("random_" + i + ".pth"), b);
            assertTrue(message(f).startsWith(f + " is not a PyTorch checkpoint"));
            // the same garbage behind a zip signature
            b[0] = 'P';
            if (b.length >= 4) {
                b[1] = 'K';
                b[2] = 3;
                b[3] = 4;
                Files.write(f, b);
                assertTrue(message(f).startsWith(f + " is corrupt or truncated"), message(f));
            }
        }
    }

    @Test
    void emptyMissingLegacyAndForeignFilesAreNamed() throws IOException {
        Path empty = Files.write(dir.resolve("empty.pth"), new byte[0]);
        assertEquals(empty + " is empty (0 bytes); expected a checkpoint written by torch.save", message(empty));
        assertInstanceOf(NoSuchFileException.class, readFails(dir.resolve("missing.pth")));
        Path legacy = Files.write(dir.resolve("legacy.pth"), new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10});
        assertEquals(legacy + " is in the legacy torch.save format of PyTorch < 1.6 (a bare pickle), which is not"
                + " supported; load it in PyTorch and save it again with torch.save (PyTorch >= 1.6 writes the zip"
                + " format)", message(legacy));
        Path foreign = dir.resolve("foreign.zip");
        try (OutputStream os = Files.newOutputStream(foreign); ZipOutputStream zip = new ZipOutputStream(os)) {
            zip.putNextEntry(new ZipEntry("readme.txt"));
            zip.write(1);
            zip.closeEntry();
        }
        assertEquals(foreign + ": not a torch.save checkpoint: expected one <prefix>/data.pkl record, found 0"
                + " (records: [readme.txt])", message(foreign));
    }

    @Test
    void aCorruptedRecordFailsItsCrcCheck() throws IOException {
        Path source = CheckpointFixtures.pth(CheckpointFixtures.open("dino_backbone"));
        byte[] b = Files.readAllBytes(source);
        // The first record, data.pkl, starts at byte 64 (torch aligns record data to 64 bytes; see the manifest).
        b[64 + 10] ^= 0x5a;
        Path f = Files.write(dir.resolve("flipped.pth"), b);
        assertEquals(f + ": record dino_backbone/data.pkl fails its CRC check (the file is corrupt)", message(f));
    }

    @Test
    void mutatedPicklesNeverEscapeAsAnythingButIOException() throws IOException {
        Path source = CheckpointFixtures.pth(CheckpointFixtures.open("torch_save_edge_cases"));
        Map<String, byte[]> records = new java.util.LinkedHashMap<>();
        byte[] pickle = null;
        try (ZipFile zip = new ZipFile(source.toFile())) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                byte[] data;
                try (InputStream in = zip.getInputStream(e)) {
                    data = in.readAllBytes();
                }
                String rel = e.getName().substring(e.getName().indexOf('/') + 1);
                if (rel.equals("data.pkl")) {
                    pickle = data;
                } else {
                    records.put(rel, data);
                }
            }
        }
        SplittableRandom rng = new SplittableRandom(3);
        int failures = 0;
        for (int i = 0; i < 300; i++) {
            byte[] mutated = i % 3 == 0 ? Arrays.copyOf(pickle, rng.nextInt(pickle.length)) : pickle.clone();
            if (i % 3 != 0) {
                for (int k = 0; k < 1 + rng.nextInt(4); k++) {
                    mutated[rng.nextInt(mutated.length)] = (byte) rng.nextInt(256);
                }
            }
            Path f = PickleBytes.zip(dir.resolve("mutated_" + i + ".pth"), mutated, records);
            IOException e = assertTimeoutPreemptively(QUICK, () -> {
                try {
                    PthReader.read(f);
                    return null;
                } catch (IOException ex) {
                    return ex;
                }
            });
            if (e != null) {
                failures++;
                assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
            }
        }
        assertTrue(failures > 100, "most mutations are detected: " + failures);
    }

    @Test
    void lengthsInThePickleAreBoundedByTheBytesLeft() throws IOException {
        byte[] hugeString = new PickleBytes().raw('X', 0xff, 0xff, 0xff, 0x7f).bytes();
        Path f = PickleBytes.zip(dir.resolve("huge_string.pth"), hugeString, Map.of());
        assertEquals(f + ": corrupt data.pkl: BINUNICODE string length 2147483647 exceeds the 0 bytes left in"
                + " data.pkl", message(f));
        byte[] hugeBytes = new PickleBytes().raw(0x8e, 0, 0, 0, 0, 0, 0, 0, 0x40).bytes();
        Path g = PickleBytes.zip(dir.resolve("huge_bytes.pth"), hugeBytes, Map.of());
        assertEquals(g + ": corrupt data.pkl: BINBYTES8 length 4611686018427387904 exceeds the 0 bytes left in"
                + " data.pkl", message(g));
    }

    @Test
    void storageSizesAndViewsAreCheckedBeforeAnythingIsAllocated() throws IOException {
        byte[] twelveFloats = new byte[48];
        byte[] bogusNumel = new PickleBytes().floatTensor("0", 1_000_000_000_000L, 0, 3, 1).stop().bytes();
        Path f = PickleBytes.zip(dir.resolve("numel.pth"), bogusNumel, Map.of("data/0", twelveFloats));
        assertEquals(f + ": record archive/data/0 has 48 bytes but the pickle declares 1000000000000 float32"
                + " elements (4000000000000 bytes)", message(f));
        byte[] outOfRange = new PickleBytes().floatTensor("0", 12, 2, 11, 1).stop().bytes();
        Path g = PickleBytes.zip(dir.resolve("view.pth"), outOfRange, Map.of("data/0", twelveFloats));
        assertEquals(g + ": tensor view (offset 2, size [11], stride [1]) reaches element 12 of storage 0, which"
                + " has 12 elements", message(g));
        byte[] missing = new PickleBytes().floatTensor("7", 12, 0, 12, 1).stop().bytes();
        Path h = PickleBytes.zip(dir.resolve("missing.pth"), missing, Map.of());
        assertEquals(h + ": storage 7 (12 float32 elements) has no record archive/data/7", message(h));
    }

    @Test
    void unknownGlobalsAreRecordedNotExecuted() throws IOException {
        byte[] pickle = new PickleBytes().global("os", "system").mark().str("echo hacked").tuple().reduce().stop()
                .bytes();
        Path f = PickleBytes.zip(dir.resolve("os_system.pth"), pickle, Map.of());
        Object v = PthReader.read(f);
        assertEquals(new PythonObject("os.system", List.of("echo hacked"), null), v);
    }

    @Test
    void deepNestingIsRejectedWithoutAStackOverflow() throws IOException {
        PickleBytes p = new PickleBytes();
        for (int i = 0; i < 5000; i++) {
            p.raw(']');
        }
        for (int i = 0; i < 4999; i++) {
            p.raw('a');
        }
        Path f = PickleBytes.zip(dir.resolve("deep.pth"), p.stop().bytes(), Map.of());
        assertEquals(f + ": corrupt data.pkl: object tree nested deeper than 1000 levels (corrupt or cyclic)",
                message(f));
    }

    @Test
    void aBigEndianByteorderRecordIsHonoured() throws IOException {
        ByteBuffer be = ByteBuffer.allocate(12).order(ByteOrder.BIG_ENDIAN);
        be.putFloat(1.5f).putFloat(-2f).putFloat(3.25f);
        byte[] pickle = new PickleBytes().floatTensor("0", 3, 0, 3, 1).stop().bytes();
        Path f = PickleBytes.zip(dir.resolve("big.pth"), pickle, Map.of("data/0", be.array(),
                "byteorder", "big".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        TorchTensor t = (TorchTensor) PthReader.read(f);
        assertArrayEquals(new float[] {1.5f, -2f, 3.25f}, t.floats());
    }

    @Test
    void aStateDictOfSomethingElseIsNamed() throws IOException {
        Path f = PickleBytes.zip(dir.resolve("list.pth"), new PickleBytes().raw(']').stop().bytes(), Map.of());
        IOException e = assertThrows(IOException.class, () -> PthReader.readStateDict(f));
        assertEquals(f + ": the checkpoint is not a state dict (a dict of name to tensor) but list", e.getMessage());
    }
}
