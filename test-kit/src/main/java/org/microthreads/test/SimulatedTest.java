package org.microthreads.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs a test method as the main micro-thread of a simulated loop, once per seed. (Skeleton: the
 * extension is being built; see docs/testing.md.)
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface SimulatedTest {
    /** {@return how many seeds to explore, starting at {@link #firstSeed()}} */
    int seeds() default 100;

    /** {@return the first seed explored} */
    long firstSeed() default 0;
}
