package org.dino4j.train.loop;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NativeRuntimeTest {

    @Test
    void anAllocatorInLdPreloadIsRecognisedByItsFileName() {
        assertTrue(NativeRuntime.preloadsAnAllocator("/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"));
        assertTrue(NativeRuntime.preloadsAnAllocator("/opt/a/libdino4j-mkl-intel-path.so:libmimalloc.so"));
        assertTrue(NativeRuntime.preloadsAnAllocator("libfoo.so libtcmalloc_minimal.so.4"));
    }

    @Test
    void otherPreloadsAndFoldersNamedAfterAllocatorsAreNot() {
        assertFalse(NativeRuntime.preloadsAnAllocator(null));
        assertFalse(NativeRuntime.preloadsAnAllocator(""));
        assertFalse(NativeRuntime.preloadsAnAllocator("/home/me/malloc-study/dino4j/libdino4j-mkl-intel-path.so"));
    }
}
