package org.microthreads.internal;

import java.util.function.BiFunction;

/**
 * How {@code org.microthreads.spi} reaches the package-private loop constructor: the loop package
 * registers its factory here when its {@code Loop} class is initialised. Not for applications.
 */
public final class UiBridge {
    private UiBridge() {}

    private static volatile BiFunction<String, Object, Object> uiLoops;

    /** Called once, by {@code Loop}'s static initialiser. */
    public static void register(BiFunction<String, Object, Object> factory) {
        uiLoops = factory;
    }

    /** {@return the factory of UI loops: (name, toolkit) to a new loop} */
    public static BiFunction<String, Object, Object> uiLoops() {
        return uiLoops;
    }
}
