package org.dino4j.train.kernels;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.IValue;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import org.dino4j.core.nn.DinoBlock;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A TorchScript module compiled from source at run time, whose methods are called with autograd on.
 *
 * <p>DJL loads TorchScript archives and runs their methods; gradients flow through them like through DJL's own
 * operators. This class writes the archive a {@code torch.jit.save} would write for a parameterless module (the
 * method source under {@code code/}, the pickled module object with its {@code training} flag, an empty constants
 * table and the format version) in memory, and loads it once per source text and device. The module holds no
 * tensors, so one instance serves every network and thread of the process; it lives as long as the process.
 */
public final class KernelModule {

    private static final String CLASS_NAME = "Dino4jKernels";
    private static final String FORMAT_VERSION = "8\n";
    private static final Map<Key, KernelModule> LOADED = new ConcurrentHashMap<>();

    private record Key(Device device, String methods) {}

    private final PtSymbolBlock module;
    private final NDManager owner;
    private final Map<String, NDArray> methodMarkers = new HashMap<>();

    private KernelModule(PtSymbolBlock module, NDManager owner) {
        this.module = module;
        this.owner = owner;
    }

    /**
     * The module whose methods {@code methods} defines, compiled on first use for {@code manager}'s device.
     *
     * @param methods TorchScript method definitions, each {@code def name(self, ...) -> ...:} with an indented body
     *     (two spaces) and fully typed arguments, in the serialised-code dialect ({@code torch.to(x, 15)})
     * @param manager any manager on the target device
     * @return the loaded module
     * @throws IllegalStateException if the engine rejects the source (the message quotes the engine's)
     */
    public static KernelModule of(String methods, NDManager manager) {
        // looked up on every kernel call: a concurrent map, so that hits take no lock; a compile blocks only the
        // callers that need the same module
        return LOADED.computeIfAbsent(new Key(manager.getDevice(), methods), KernelModule::load);
    }

    private static KernelModule load(Key key) {
        NDManager owner = NDManager.newBaseManager(key.device());
        byte[] archive = archive(key.methods());
        try {
            PtSymbolBlock block = JniUtils.loadModule((PtNDManager) owner, new ByteArrayInputStream(archive),
                    true, false);
            return new KernelModule(block, owner);
        } catch (IOException e) {
            owner.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            owner.close();
            throw new IllegalStateException("the engine did not compile dino4j's TorchScript kernels ("
                    + e.getMessage() + "); use run.kernels: reference", e);
        }
    }

    /**
     * Calls a method of the module with autograd recording (when the inputs require gradients).
     *
     * @param method the method's name
     * @param inputs its tensor arguments, in order; the result is attached to the first one's manager
     * @return the method's single tensor result
     */
    public NDArray call(String method, NDArray... inputs) {
        if (inputs.length == 0) {
            throw new IllegalArgumentException("a kernel call needs at least one tensor (its manager owns the result)");
        }
        NDList args = new NDList(inputs.length + 1);
        for (NDArray a : inputs) {
            // DJL reads structure from names ("a.b" -> dict, "a[]" -> list, ...): pass such arrays as unnamed views
            args.add(hazardous(a.getName()) ? DinoBlock.view(a, inputs[0].getManager()) : a);
        }
        args.add(marker(method));
        return IValueUtils.forward(module, args, true).singletonOrThrow();
    }

    /**
     * Calls a method without autograd (under the engine's inference mode, which also restores the thread's grad
     * mode when the method fails), with arguments built explicitly: tensor lists and floats as TorchScript expects
     * them. For in-place updates of parameters and optimiser state.
     *
     * @param method the method's name
     * @param args its arguments; this call closes them
     * @return the method's result; the caller closes it
     */
    public IValue run(String method, IValue... args) {
        try {
            return IValueUtils.runMethod(module, method, args);
        } finally {
            for (IValue a : args) {
                a.close();
            }
        }
    }

    private static boolean hazardous(String name) {
        return name != null && (name.indexOf('.') >= 0 || name.indexOf('[') >= 0 || name.indexOf('(') >= 0
                || name.startsWith("module_method:"));
    }

    // DJL picks the method to run from an input named "module_method:<name>", which it does not pass on.
    private synchronized NDArray marker(String method) {
        return methodMarkers.computeIfAbsent(method, k -> {
            NDArray a = owner.zeros(new Shape(1));
            a.setName("module_method:" + k);
            return a;
        });
    }

    /** The class source: the module's attributes, then the methods. */
    static String source(String methods) {
        return "class " + CLASS_NAME + "(Module):\n"
                + "  __parameters__ = []\n"
                + "  __buffers__ = []\n"
                + "  training : bool\n"
                + methods.replace("(self,", "(self: __torch__." + CLASS_NAME + ",");
    }

    static byte[] archive(String methods) {
        try {
            ByteArrayOutputStream zip = new ByteArrayOutputStream();
            try (ZipOutputStream z = new ZipOutputStream(zip)) {
                put(z, "data.pkl", moduleObject());
                put(z, "code/__torch__.py", source(methods).getBytes(StandardCharsets.UTF_8));
                put(z, "constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
                put(z, "version", FORMAT_VERSION.getBytes(StandardCharsets.US_ASCII));
            }
            return zip.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // Pickle protocol 2 of the module object: GLOBAL __torch__.<class>, NEWOBJ, BUILD with {"training": True}.
    private static byte[] moduleObject() {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.write(0x80);
        p.write(2);
        p.writeBytes(("c__torch__\n" + CLASS_NAME + "\n").getBytes(StandardCharsets.US_ASCII));
        p.write(')');
        p.write(0x81);
        p.write('}');
        p.write('(');
        byte[] name = "training".getBytes(StandardCharsets.US_ASCII);
        p.write('X');
        p.writeBytes(new byte[] {(byte) name.length, 0, 0, 0});
        p.writeBytes(name);
        p.write(0x88);
        p.write('u');
        p.write('b');
        p.write('.');
        return p.toByteArray();
    }

    // Entries are stored uncompressed under one top-level folder, as torch.jit.save writes them.
    private static void put(ZipOutputStream z, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry("dino4j_kernels/" + name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }
}
