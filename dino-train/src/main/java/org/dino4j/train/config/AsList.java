package org.dino4j.train.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A small record written in YAML as a list of its components in declaration order, e.g. a scale interval
 * {@code [0.4, 1.0]} bound into {@code CropScale(min, max)}: the YAML stays as compact as the official flags, the
 * Java side gets names.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface AsList {}
