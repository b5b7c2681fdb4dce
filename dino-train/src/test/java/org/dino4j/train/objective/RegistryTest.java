package org.dino4j.train.objective;

import org.dino4j.train.config.ConfigLoader;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RegistryTest {

    @Test
    void builtInsAreRegistered() {
        assertTrue(TeacherTargetsProvider.registry().names().containsAll(List.of("centering", "sinkhorn_knopp")));
        assertTrue(LossTermProvider.registry().names().contains("koleo"));
    }

    @Test
    void unknownNameListsTheKnownOnesSorted() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TeacherTargetsProvider.registry().get("sinkhorn", "objective.teacher_targets"));
        assertEquals("Unknown teacher-target method 'sinkhorn' at objective.teacher_targets; known: "
                + TeacherTargetsProvider.registry().names()
                + " (register your own through META-INF/services, see docs/extending.md)", e.getMessage());
        assertEquals(TeacherTargetsProvider.registry().names().stream().sorted().toList(),
                TeacherTargetsProvider.registry().names());
    }

    @Test
    void configNamesAreResolvedWhenTheConfigIsLoaded() {
        Exception e = assertThrows(RuntimeException.class, () -> ConfigLoader.load((java.nio.file.Path) null,
                List.of("objective.extra_terms=[{type: no_such_term, weight: 1}]")));
        assertTrue(e.getMessage().contains("Unknown loss term 'no_such_term' at objective.extra_terms[0].type; known: ["),
                e.getMessage());
    }
}
