package org.dino4j.train.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** The allowed number of elements of a list-valued configuration key, checked by {@link ConfigLoader}. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Size {

    /** Fewest elements. */
    int min() default 0;

    /** Most elements. */
    int max() default Integer.MAX_VALUE;
}
