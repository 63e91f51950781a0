package org.microthreads;

/**
 * What runs a micro-thread, and what a wait of the library parks and wakes: the typed seam
 * between the library's waits ({@link Park}) and the loop kinds ({@link LoopDriver}).
 *
 * <p>Two kinds, so that every call site stays bimorphic: a {@link ThreadStrand} (a virtual
 * thread, or a plain thread waiting in the library) parks with {@link java.util.concurrent.locks.LockSupport};
 * a {@link ContinuationStrand} (a host loop's micro-thread, mounted on the host thread) parks by
 * yielding its continuation. Both have {@code LockSupport}'s permit semantics: an unpark before a
 * park makes that park return at once, and a park may return spuriously.
 */
sealed interface Strand permits ThreadStrand, ContinuationStrand {
    /** Makes the strand runnable again, or its next park return at once. Any thread. */
    void unpark();

    /** Sets the strand's interrupt status and wakes it. Any thread. */
    void interrupt();

    /** {@return the micro-thread it runs, or null: a plain thread waiting in the library} */
    MicroThread<?> microThread();

    /** {@return whether it is parked or blocked now (racy; for states and dumps)} */
    boolean blocked();

    /** {@return its stack now (empty where it cannot be read)} */
    StackTraceElement[] stackTrace();
}
