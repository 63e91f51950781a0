package org.microthreads;

/**
 * Receives the failures nobody else will see: a {@linkplain MicroThread#startAndForget
 * start-and-forget} micro-thread that ended by throwing, or a {@linkplain MicroThread#parallel
 * parallel} one whose failure no {@code join} had observed when its {@code run} ended.
 *
 * <p>Called on the failing micro-thread (or the thread ending the run). If the handler itself
 * throws, that secondary failure is logged through {@link System.Logger} with the original
 * attached, and counted; it never propagates.
 */
@FunctionalInterface
public interface FailureHandler {
    /**
     * Handles one failure; see the interface documentation for where it runs.
     *
     * @param microThread the micro-thread that failed
     * @param failure     what it threw
     */
    void failed(MicroThread<?> microThread, Throwable failure);
}
