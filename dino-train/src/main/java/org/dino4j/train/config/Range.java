package org.dino4j.train.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The allowed interval of a numeric configuration value; on a list, of each element.
 *
 * <p>Checked by {@link ConfigLoader} when binding, so that the error can name the key, the interval and the file the
 * value came from.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Range {

    /** Lower bound (inclusive unless {@link #minExclusive()}). */
    double min() default Double.NEGATIVE_INFINITY;

    /** Upper bound (inclusive unless {@link #maxExclusive()}). */
    double max() default Double.POSITIVE_INFINITY;

    /** Whether {@link #min()} itself is excluded. */
    boolean minExclusive() default false;

    /** Whether {@link #max()} itself is excluded. */
    boolean maxExclusive() default false;
}
