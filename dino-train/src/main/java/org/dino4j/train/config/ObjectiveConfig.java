package org.dino4j.train.config;

import java.util.List;

/**
 * What the student is trained to match: the image-level (CLS) loss of DINO or DINOv2, the teacher-target method,
 * and the optional DINOv2 terms (iBOT masked-patch loss, KoLeo) plus user-registered loss terms.
 *
 * @param method the CLS loss assembly: {@code dino} (DINO v1: mean over crop pairs, same-view pairs skipped) or
 *     {@code dinov2} (teacher global crops swapped, the official local / global scaling)
 * @param teacherTargets the teacher-target method of the CLS and patch objectives (a registered name:
 *     {@code centering} or {@code sinkhorn_knopp} built in)
 * @param ibotWeight weight of the iBOT masked-patch loss; 0 disables it (no mask token, no masks)
 * @param ibotSeparateHead whether iBOT has its own head ({@code ibot_head}, as dinov2 by default) or shares the DINO
 *     head
 * @param maskRatio range of the share of patches masked per masked image
 * @param maskShare share of the global crops that are masked
 * @param koleoWeight weight of the KoLeo regulariser on the student's backbone CLS of each global crop; 0 disables it
 * @param extraTerms user loss terms, each a registered {@code type} and a {@code weight}
 */
public record ObjectiveConfig(ObjectiveMethod method,
                              String teacherTargets,
                              @Range(min = 0) double ibotWeight,
                              boolean ibotSeparateHead,
                              CropScale maskRatio,
                              @Range(min = 0, max = 1) double maskShare,
                              @Range(min = 0) double koleoWeight,
                              List<LossTermConfig> extraTerms) {

    /** Whether the iBOT objective is on. */
    public boolean ibotEnabled() {
        return ibotWeight > 0;
    }
}
